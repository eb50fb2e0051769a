"""Runs SmartRedis 0.6.1's ``DatasetConverter.add_metadata_for_xarray`` in the real wheel.

Executed by the compat virtual environment's python (beside ``real_client_runner.py``, whose
dataset helpers it reuses). Reads one JSON document on stdin::

    {"dataset": <dataset spec>, "calls": [{"data_names": ..., "dim_names": ...,
     "coord_names": ..., "attr_names": ...}, ...], "put": true}

applies every call to one Dataset (arguments are passed as given, so wrong types reach the
converter), stores the dataset with ``put_dataset`` when ``put`` is true (SSDB and SR_DB_TYPE
from the environment), and prints ``{"results": [...]}`` with ``{"ok": null}`` or
``{"error": class, "message": text}`` per call, then the put.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from real_client_runner import build_dataset

from smartredis import Client, DatasetConverter


def _outcome(action: Any) -> dict[str, Any]:
    try:
        action()
    except Exception as err:
        return {"error": type(err).__name__, "message": str(err)}
    return {"ok": None}


def main() -> int:
    request = json.load(sys.stdin)
    result_stream = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # the library's own prints go to stderr
    sys.stdout = sys.stderr
    dataset = build_dataset(request["dataset"])
    results = [
        _outcome(lambda call=call: DatasetConverter.add_metadata_for_xarray(dataset, **call))
        for call in request["calls"]
    ]
    if request.get("put"):
        results.append(_outcome(lambda: Client(logger_name="converter").put_dataset(dataset)))
    json.dump({"results": results}, result_stream)
    result_stream.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
