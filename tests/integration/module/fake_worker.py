"""A minimal worker process for the AI module's execution tests.

It speaks the worker protocol of ``docs/worker-protocol.md`` over a direct RESP2 connection to one
shard, and "runs" models and scripts whose blob / source is a tiny program:

* ``scale:<k>``   every output i is input (i mod n_inputs) times k (dtype kept)
* ``sleep:<ms>``  sleeps, then echoes the inputs as outputs
* ``fail:<msg>``  reports the error ``<msg>``
* ``die``         exits the process in the middle of the job (worker loss)
* ``dieonce:<path>`` exits mid-job if ``<path>`` does not exist yet (creating it), else ``scale:2``
* ``outputs:<n>`` returns ``n`` outputs whatever the request asked (count mismatches)

Batched runs are concatenated along dim 0, run once and split back, as a real worker does. Every
run is logged as one JSON line (run id, key, number of requests, batch rows) to ``--log``.

Usage: ``python fake_worker.py --host H --port P --device CPU --backend TORCH [--backend ONNX] --log F``
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

import numpy as np
import redis

DTYPES = {
    "FLOAT": np.float32,
    "DOUBLE": np.float64,
    "INT8": np.int8,
    "INT16": np.int16,
    "INT32": np.int32,
    "INT64": np.int64,
    "UINT8": np.uint8,
    "UINT16": np.uint16,
    "BOOL": np.bool_,
}
NAMES = {np.dtype(v): k for k, v in DTYPES.items()}


def as_fields(reply: list[Any]) -> dict[str, Any]:
    return {reply[i].decode(): reply[i + 1] for i in range(0, len(reply), 2)}


def decode_tensor(item: list[Any]) -> np.ndarray:
    dtype, shape, blob = item
    return np.frombuffer(blob, dtype=DTYPES[dtype.decode()]).reshape([int(d) for d in shape])


def encode_tensor(array: np.ndarray) -> list[Any]:
    array = np.ascontiguousarray(array)
    return [NAMES[array.dtype], array.ndim, *array.shape, array.tobytes()]


def compute(program: str, inputs: list[np.ndarray], noutputs: int) -> list[np.ndarray]:
    if program.startswith("sleep:"):
        time.sleep(int(program.split(":", 1)[1]) / 1000.0)
        factor = 1
    elif program.startswith("scale:"):
        factor = int(program.split(":", 1)[1])
    elif program.startswith("outputs:"):
        noutputs = int(program.split(":", 1)[1])
        factor = 1
    else:
        factor = 2
    if not inputs:
        return []
    return [(inputs[i % len(inputs)] * factor).astype(inputs[i % len(inputs)].dtype) for i in range(noutputs)]


def serve(args: argparse.Namespace) -> None:
    conn = redis.Redis(host=args.host, port=args.port, protocol=2)
    conn.execute_command("AI._WORKER.HELLO", args.device, *args.backend)
    cache: dict[tuple[bytes, int], str] = {}
    while True:
        reply = conn.execute_command("AI._WORKER.NEXT", 1000)
        if reply is None:
            continue
        run = as_fields(reply)
        run_id = int(run["run"])
        cache_key = (run["key"], int(run["version"]))
        if cache_key not in cache:
            cache[cache_key] = conn.execute_command("AI._WORKER.MODEL", run_id).decode()
        program = cache[cache_key]
        requests = [as_fields(r) for r in run["requests"]]
        inputs = [[decode_tensor(t) for t in r["inputs"]] for r in requests]
        rows = [int(x[0].shape[0]) if x and x[0].ndim else 0 for x in inputs]
        with open(args.log, "a") as log:
            log.write(
                json.dumps(
                    {"run": run_id, "key": run["key"].decode(), "requests": len(requests), "rows": rows}
                )
                + "\n"
            )
        if program == "die" or (program.startswith("dieonce:") and not os.path.exists(program[8:])):
            if program.startswith("dieonce:"):
                open(program[8:], "w").close()
            os._exit(3)
        if program.startswith("fail:"):
            conn.execute_command("AI._WORKER.DONE", run_id, "ERR", 0, program[5:])
            continue
        started = time.perf_counter()
        noutputs = int(requests[0]["noutputs"])
        if len(requests) > 1:
            merged = [np.concatenate([x[i] for x in inputs]) for i in range(len(inputs[0]))]
            outputs = compute(program, merged, noutputs)
            bounds = np.cumsum([0, *rows])
            per_request = [[o[bounds[r] : bounds[r + 1]] for o in outputs] for r in range(len(requests))]
        else:
            per_request = [compute(program, inputs[0], noutputs)]
        duration = int((time.perf_counter() - started) * 1e6)
        payload: list[Any] = []
        for outs in per_request:
            payload.append(len(outs))
            for out in outs:
                payload.extend(encode_tensor(out))
        conn.execute_command("AI._WORKER.DONE", run_id, "OK", duration, *payload)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--device", default="CPU")
    parser.add_argument("--backend", action="append", required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    try:
        serve(args)
    except (redis.exceptions.ConnectionError, KeyboardInterrupt):
        pass


if __name__ == "__main__":
    main()
