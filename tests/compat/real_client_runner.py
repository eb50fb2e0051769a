"""Runs a list of operations through the real SmartRedis 0.6.1 Python client.

Executed by the compat virtual environment's python (never imported by the test process): it
reads a JSON list of operations on stdin, runs them in order on one ``smartredis.Client``
(configured by SSDB, SR_DB_TYPE, SSKEYIN, SSKEYOUT in the environment) and writes one JSON
document: ``{"version": ..., "results": [...]}``. Each result is ``{"ok": value}`` or
``{"error": class name, "message": text}``; an error does not stop the later operations.

Arrays travel as ``{"dtype": numpy name, "shape": [...], "data": base64 of C-order bytes}``.
SmartRedis logs and ``set_model_chunk_size`` print to stdout, so the C-level stdout is moved to
stderr and only the result document goes to the original stdout.
"""

from __future__ import annotations

import base64
import importlib.metadata
import importlib.util
import json
import os
import sys
import tempfile
from typing import Any

import numpy as np

from smartredis import Client, Dataset

# ---------------------------------------------------------------- encoding


def decode_array(spec: dict[str, Any]) -> np.ndarray:
    data = base64.b64decode(spec["data"])
    return np.frombuffer(data, dtype=np.dtype(spec["dtype"])).reshape(spec["shape"]).copy()


def encode_array(array: np.ndarray) -> dict[str, Any]:
    return {
        "dtype": str(array.dtype),
        "shape": list(array.shape),
        "data": base64.b64encode(np.ascontiguousarray(array).tobytes()).decode(),
    }


def scalar_value(spec: dict[str, Any]) -> Any:
    """A metadata scalar: Python int/float, or a numpy scalar of the named type."""
    kind = spec["type"]
    if kind == "int":
        return int(spec["value"])
    if kind == "float":
        return float(spec["value"])
    return np.dtype(kind).type(spec["value"])


def build_dataset(spec: dict[str, Any]) -> Dataset:
    dataset = Dataset(spec["name"])
    for tensor in spec.get("tensors", []):
        dataset.add_tensor(tensor["name"], decode_array(tensor))
    for scalar in spec.get("meta_scalars", []):
        dataset.add_meta_scalar(scalar["field"], scalar_value(scalar))
    for string in spec.get("meta_strings", []):
        dataset.add_meta_string(string["field"], string["value"])
    return dataset


def describe_dataset(dataset: Dataset) -> dict[str, Any]:
    tensors = {name: encode_array(dataset.get_tensor(name)) for name in dataset.get_tensor_names()}
    meta: dict[str, Any] = {}
    for field in dataset.get_metadata_field_names():
        field_type = dataset.get_metadata_field_type(field)
        # Datasets from get_datasets_from_list are the bare bindings, which name the type
        # ("STRING", "INT64") where Dataset.get_metadata_field_type returns a Python type.
        if field_type is str or field_type == "STRING":
            meta[field] = {"type": "str", "values": list(dataset.get_meta_strings(field))}
        else:
            values = np.asarray(dataset.get_meta_scalars(field))
            meta[field] = {"type": str(values.dtype), "values": values.tolist()}
    return {
        "name": dataset.get_name(),
        "tensor_names": list(dataset.get_tensor_names()),
        "tensors": tensors,
        "meta": meta,
    }


def load_function(source: str, name: str) -> Any:
    """A function defined in a real file, so ``inspect.getsource`` (used by set_function) works."""
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as handle:
        handle.write(source)
        path = handle.name
    spec = importlib.util.spec_from_file_location(f"compat_fn_{abs(hash(path))}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


# ---------------------------------------------------------------- operations


def run_operation(client: Client, op: dict[str, Any]) -> Any:
    kind = op["op"]
    if kind == "put_tensor":
        client.put_tensor(op["name"], decode_array(op))
        return None
    if kind == "get_tensor":
        return encode_array(client.get_tensor(op["name"]))
    if kind == "tensor_exists":
        return bool(client.tensor_exists(op["name"]))
    if kind == "delete_tensor":
        client.delete_tensor(op["name"])
        return None
    if kind == "put_dataset":
        client.put_dataset(build_dataset(op["dataset"]))
        return None
    if kind == "get_dataset":
        return describe_dataset(client.get_dataset(op["name"]))
    if kind == "dataset_exists":
        return bool(client.dataset_exists(op["name"]))
    if kind == "delete_dataset":
        client.delete_dataset(op["name"])
        return None
    if kind == "append_to_list":
        client.append_to_list(op["list"], build_dataset(op["dataset"]))
        return None
    if kind == "get_list_length":
        return int(client.get_list_length(op["list"]))
    if kind == "get_datasets_from_list":
        return [describe_dataset(d) for d in client.get_datasets_from_list(op["list"])]
    if kind == "set_model":
        client.set_model(
            op["name"],
            base64.b64decode(op["model"]),
            op["backend"],
            device=op.get("device", "CPU"),
            batch_size=op.get("batch_size", 0),
            min_batch_size=op.get("min_batch_size", 0),
            min_batch_timeout=op.get("min_batch_timeout", 0),
            tag=op.get("tag", ""),
            inputs=op.get("inputs"),
            outputs=op.get("outputs"),
        )
        return None
    if kind == "get_model":
        return base64.b64encode(bytes(client.get_model(op["name"]))).decode()
    if kind == "model_exists":
        return bool(client.model_exists(op["name"]))
    if kind == "run_model":
        client.run_model(op["name"], inputs=op.get("inputs"), outputs=op.get("outputs"))
        return None
    if kind == "delete_model":
        client.delete_model(op["name"])
        return None
    if kind == "set_script":
        client.set_script(op["name"], op["script"], device=op.get("device", "CPU"))
        return None
    if kind == "set_function":
        function = load_function(op["source"], op["function"])
        client.set_function(op["name"], function, device=op.get("device", "CPU"))
        return None
    if kind == "get_script":
        return client.get_script(op["name"])
    if kind == "run_script":
        client.run_script(op["name"], op["function"], op["inputs"], op["outputs"])
        return None
    if kind == "delete_script":
        client.delete_script(op["name"])
        return None
    if kind == "key_exists":
        return bool(client.key_exists(op["key"]))
    if kind in ("copy_tensor", "rename_tensor", "copy_dataset", "rename_dataset", "copy_list", "rename_list"):
        getattr(client, kind)(op["src"], op["dest"])
        return None
    if kind == "delete_list":
        client.delete_list(op["list"])
        return None
    if kind == "get_dataset_list_range":
        return [
            describe_dataset(d) for d in client.get_dataset_list_range(op["list"], op["start"], op["end"])
        ]
    if kind == "set_data_source":
        client.set_data_source(op["source"])
        return None
    if kind in (
        "use_tensor_ensemble_prefix",
        "use_dataset_ensemble_prefix",
        "use_list_ensemble_prefix",
        "use_model_ensemble_prefix",
    ):
        getattr(client, kind)(op["value"])
        return None
    raise ValueError(f"unknown operation {kind!r}")


def main() -> int:
    operations = json.load(sys.stdin)
    result_stream = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # everything else the library prints goes to stderr
    sys.stdout = sys.stderr
    results: list[dict[str, Any]] = []
    try:
        client = Client(logger_name="compat")
    except Exception as err:
        json.dump(
            {
                "version": importlib.metadata.version("smartredis"),
                "connect_error": f"{type(err).__name__}: {err}",
            },
            result_stream,
        )
        result_stream.close()
        return 0
    for op in operations:
        try:
            results.append({"ok": run_operation(client, op)})
        except Exception as err:
            results.append({"error": type(err).__name__, "message": str(err)})
    json.dump({"version": importlib.metadata.version("smartredis"), "results": results}, result_stream)
    result_stream.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
