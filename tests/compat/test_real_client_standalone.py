"""The real SmartRedis 0.6.1 client against our standalone server: values and raw keyspace.

Every test checks both what the real client reads back and the exact bytes it left in the
keyspace (smartredis-wire.md §4-§6), read with redis-py (RESP2).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from compat.keyspace import (
    DATASET_ACK_FIELD,
    TENSOR_NAMES_FIELD,
    TENSOR_TYPE,
    WIRE_DTYPES,
    extreme_array,
    meta_scalars,
    meta_strings,
    tensorget_reply,
)
from compat.real_client import DatasetSpec, RealClient, decode_array, decode_dataset, put_tensor_op

pytestmark = pytest.mark.compat

DTYPES = list(WIRE_DTYPES)


def test_runner_reports_the_real_wheel(real_client: RealClient) -> None:
    # run_raw checks the version of the imported smartredis on every call.
    assert real_client.run_raw([]) == []


# ---------------------------------------------------------------- tensors


def test_tensors_of_every_dtype(real_client: RealClient, ai_server: Any) -> None:
    arrays = {f"t_{dtype}": extreme_array(dtype) for dtype in DTYPES}
    arrays["t_3d"] = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    arrays["t_1"] = np.array([7], dtype=np.int16)
    ops: list[dict[str, Any]] = [put_tensor_op(name, array) for name, array in arrays.items()]
    ops += [{"op": "get_tensor", "name": name} for name in arrays]
    ops += [{"op": "tensor_exists", "name": name} for name in arrays]
    ops += [{"op": "tensor_exists", "name": "never_written"}]
    results = real_client.run(ops)

    count = len(arrays)
    for (name, array), got in zip(arrays.items(), results[count : 2 * count], strict=True):
        back = decode_array(got)
        assert (name, back.dtype, back.shape) == (name, array.dtype, array.shape)
        assert back.tobytes() == array.tobytes()
    assert results[2 * count :] == [True] * count + [False]

    raw = ai_server.client()
    assert sorted(raw.keys()) == sorted(name.encode() for name in arrays)
    for name, array in arrays.items():
        assert raw.type(name) == TENSOR_TYPE
        assert raw.execute_command("AI.TENSORGET", name, "META", "BLOB") == tensorget_reply(array)


def test_fortran_ordered_view_is_sent_row_major(real_client: RealClient, ai_server: Any) -> None:
    # The runner decodes into an owned C array; a transposed copy checks shape handling.
    array = np.arange(12, dtype=np.int32).reshape(3, 4).T.copy()
    real_client.put_tensor("tr", array)
    reply = ai_server.client().execute_command("AI.TENSORGET", "tr", "META", "BLOB")
    assert reply == [b"dtype", b"INT32", b"shape", [4, 3], b"blob", array.tobytes()]


def test_delete_tensor(real_client: RealClient, ai_server: Any) -> None:
    results = real_client.run(
        [
            put_tensor_op("gone", np.ones(3, dtype=np.float64)),
            {"op": "delete_tensor", "name": "gone"},
            {"op": "tensor_exists", "name": "gone"},
        ]
    )
    assert results == [None, None, False]
    assert ai_server.client().exists("gone") == 0


def test_missing_tensor_is_a_runtime_error_with_the_server_text(real_client: RealClient) -> None:
    [result] = real_client.run_raw([{"op": "get_tensor", "name": "nothing_here"}])
    assert result["error"] == "RedisRuntimeError"
    assert result["message"].endswith(
        "Redis error when executing command: ERR tensor key is empty or in a different shard"
    )


def test_tensor_keys_use_the_ensemble_prefixes(real_client_python: Path, ai_server: Any) -> None:
    ssdb = f"{ai_server.host}:{ai_server.port}"
    writer = RealClient(real_client_python, ssdb, extra_env={"SSKEYOUT": "sim_0"})
    reader = RealClient(real_client_python, ssdb, extra_env={"SSKEYIN": "sim_0,sim_1"})
    array = np.arange(5, dtype=np.uint8)
    writer.put_tensor("field", array)
    assert ai_server.client().keys() == [b"sim_0.field"]
    assert reader.get_tensor("field").tobytes() == array.tobytes()


# ---------------------------------------------------------------- datasets


def _rich_dataset(name: str) -> DatasetSpec:
    return DatasetSpec(
        name=name,
        tensors=[
            ("a", np.arange(6, dtype=np.float32).reshape(2, 3)),
            ("b", extreme_array("int64", (4,))),
            ("c", extreme_array("uint16", (2, 2, 2))),
        ],
        scalars=[
            ("sc", 7, "int"),
            ("sc", 8, "int"),
            ("f", 1.5, "float"),
            ("f32", 1.5, "float32"),
            ("i32", -2, "int32"),
            ("u32", 42, "uint32"),
            ("u64", 7, "uint64"),
            ("u64", 2**64 - 1, "uint64"),
            ("f64", -0.25, "float64"),
        ],
        strings=[("s", "hello"), ("s", "world!"), ("empty", ""), ("utf8", "\u00e9t\u00e9")],
    )


def _rich_dataset_meta_hash() -> dict[bytes, bytes]:
    return {
        b"sc": meta_scalars("int", [7, 8]),
        b"f": meta_scalars("float", [1.5]),
        b"f32": meta_scalars("float32", [1.5]),
        b"i32": meta_scalars("int32", [-2]),
        b"u32": meta_scalars("uint32", [42]),
        b"u64": meta_scalars("uint64", [7, 2**64 - 1]),
        b"f64": meta_scalars("float64", [-0.25]),
        b"s": meta_strings(["hello", "world!"]),
        b"empty": meta_strings([""]),
        b"utf8": meta_strings(["\u00e9t\u00e9"]),
        TENSOR_NAMES_FIELD: meta_strings(["a", "b", "c"]),
        DATASET_ACK_FIELD: b"1",
    }


def test_dataset_keyspace_is_byte_exact(real_client: RealClient, ai_server: Any) -> None:
    spec = _rich_dataset("ds")
    real_client.put_dataset(spec)
    raw = ai_server.client()
    assert sorted(raw.keys()) == [b"{ds}.a", b"{ds}.b", b"{ds}.c", b"{ds}.meta"]
    assert raw.type("{ds}.meta") == b"hash"
    assert raw.hgetall("{ds}.meta") == _rich_dataset_meta_hash()
    for name, array in spec.tensors:
        assert raw.type(f"{{ds}}.{name}") == TENSOR_TYPE
        assert raw.execute_command("AI.TENSORGET", f"{{ds}}.{name}", "META", "BLOB") == tensorget_reply(array)


def test_dataset_round_trip(real_client: RealClient) -> None:
    spec = _rich_dataset("ds")
    results = real_client.run(
        [
            {"op": "dataset_exists", "name": "ds"},
            {"op": "put_dataset", "dataset": spec.to_json()},
            {"op": "dataset_exists", "name": "ds"},
            {"op": "get_dataset", "name": "ds"},
        ]
    )
    assert results[0] is False and results[2] is True
    got = decode_dataset(results[3])
    assert got["name"] == "ds"
    assert got["tensor_names"] == ["a", "b", "c"]
    for name, array in spec.tensors:
        assert got["tensors"][name].dtype == array.dtype
        assert got["tensors"][name].tobytes() == array.tobytes()
    assert got["meta"] == {
        "sc": {"type": "int64", "values": [7, 8]},
        "f": {"type": "float64", "values": [1.5]},
        "f32": {"type": "float32", "values": [1.5]},
        "i32": {"type": "int32", "values": [-2]},
        "u32": {"type": "uint32", "values": [42]},
        "u64": {"type": "uint64", "values": [7, 2**64 - 1]},
        "f64": {"type": "float64", "values": [-0.25]},
        "s": {"type": "str", "values": ["hello", "world!"]},
        "empty": {"type": "str", "values": [""]},
        "utf8": {"type": "str", "values": ["\u00e9t\u00e9"]},
    }


def test_metadata_only_dataset(real_client: RealClient, ai_server: Any) -> None:
    real_client.put_dataset(DatasetSpec("m", strings=[("note", "x")]))
    assert ai_server.client().keys() == [b"{m}.meta"]
    assert ai_server.client().hgetall("{m}.meta") == {
        b"note": meta_strings(["x"]),
        DATASET_ACK_FIELD: b"1",
    }
    assert real_client.get_dataset("m")["meta"] == {"note": {"type": "str", "values": ["x"]}}


def test_delete_and_missing_dataset(real_client: RealClient, ai_server: Any) -> None:
    results = real_client.run_raw(
        [
            {"op": "put_dataset", "dataset": _rich_dataset("gone").to_json()},
            {"op": "delete_dataset", "name": "gone"},
            {"op": "dataset_exists", "name": "gone"},
            {"op": "get_dataset", "name": "gone"},
        ]
    )
    assert results[:3] == [{"ok": None}, {"ok": None}, {"ok": False}]
    assert results[3]["error"] == "RedisKeyError"
    assert results[3]["message"].endswith('The requested DataSet, "gone", does not exist.')
    assert ai_server.client().keys() == []


def test_dataset_keys_use_the_ensemble_prefixes(real_client_python: Path, ai_server: Any) -> None:
    ssdb = f"{ai_server.host}:{ai_server.port}"
    writer = RealClient(real_client_python, ssdb, extra_env={"SSKEYOUT": "out"})
    reader = RealClient(real_client_python, ssdb, extra_env={"SSKEYIN": "out"})
    tensor = np.arange(3, dtype=np.float64)
    writer.run(
        [
            {"op": "put_dataset", "dataset": DatasetSpec("d", tensors=[("t", tensor)]).to_json()},
            {"op": "append_to_list", "list": "L", "dataset": DatasetSpec("d").to_json()},
        ]
    )
    raw = ai_server.client()
    assert sorted(raw.keys()) == [b"out.L", b"out.{d}.meta", b"out.{d}.t"]
    assert raw.lrange("out.L", 0, -1) == [b"out.{d}"]
    got = reader.get_dataset("d")
    assert got["tensors"]["t"].tobytes() == tensor.tobytes()
    [listed] = reader.call("get_datasets_from_list", list="L")
    assert listed["name"] == "d" and listed["tensor_names"] == ["t"]


# ---------------------------------------------------------------- aggregation lists


def test_aggregation_list(real_client: RealClient, ai_server: Any) -> None:
    specs = [
        DatasetSpec(f"ds_{i}", tensors=[("x", np.full((2, 2), i, dtype=np.int32))], scalars=[("i", i, "int")])
        for i in range(3)
    ]
    ops: list[dict[str, Any]] = [{"op": "get_list_length", "list": "agg"}]
    for spec in specs:
        ops += [
            {"op": "put_dataset", "dataset": spec.to_json()},
            {"op": "append_to_list", "list": "agg", "dataset": spec.to_json()},
        ]
    ops += [
        {"op": "get_list_length", "list": "agg"},
        {"op": "get_datasets_from_list", "list": "agg"},
        {"op": "get_datasets_from_list", "list": "no_such_list"},
    ]
    results = real_client.run(ops)
    assert results[0] == 0
    assert results[-3] == 3
    assert results[-1] == []
    listed = [decode_dataset(d) for d in results[-2]]
    assert [d["name"] for d in listed] == ["ds_0", "ds_1", "ds_2"]
    for i, got in enumerate(listed):
        assert got["tensors"]["x"].tobytes() == np.full((2, 2), i, dtype=np.int32).tobytes()
        assert got["meta"] == {"i": {"type": "int64", "values": [i]}}

    raw = ai_server.client()
    assert raw.type("agg") == b"list"
    assert raw.lrange("agg", 0, -1) == [b"{ds_0}", b"{ds_1}", b"{ds_2}"]
    assert raw.hgetall("{ds_1}.meta") == {
        b"i": meta_scalars("int", [1]),
        TENSOR_NAMES_FIELD: meta_strings(["x"]),
        DATASET_ACK_FIELD: b"1",
    }


def test_list_entry_without_dataset_reads_as_empty_dataset(real_client: RealClient, ai_server: Any) -> None:
    real_client.call("append_to_list", list="dangling", dataset=DatasetSpec("never_put").to_json())
    assert ai_server.client().lrange("dangling", 0, -1) == [b"{never_put}"]
    [got] = real_client.call("get_datasets_from_list", list="dangling")
    assert got == {"name": "never_put", "tensor_names": [], "tensors": {}, "meta": {}}


# ---------------------------------------------------------------- unix socket (colocated databases)


def test_unix_socket_address(real_client_python: Path, ai_server_factory: Any) -> None:
    # Socket paths are limited to ~107 bytes; pytest's tmp paths can be longer.
    socket_dir = Path(tempfile.mkdtemp(prefix="sr-uds-"))
    try:
        socket_path = socket_dir / "db.sock"
        server = ai_server_factory(extra_args=["--unixsocket", str(socket_path), "--unixsocketperm", "700"])
        client = RealClient(real_client_python, f"unix://{socket_path}", "Standalone")
        array = np.arange(10, dtype=np.int16)
        results = client.run(
            [
                put_tensor_op("over_uds", array),
                {"op": "put_dataset", "dataset": DatasetSpec("uds", strings=[("k", "v")]).to_json()},
                {"op": "get_tensor", "name": "over_uds"},
            ]
        )
        assert decode_array(results[2]).tobytes() == array.tobytes()
        raw = server.client()
        assert raw.execute_command("AI.TENSORGET", "over_uds", "META", "BLOB") == tensorget_reply(array)
        assert raw.hgetall("{uds}.meta") == {b"k": meta_strings(["v"]), DATASET_ACK_FIELD: b"1"}
    finally:
        shutil.rmtree(socket_dir, ignore_errors=True)
