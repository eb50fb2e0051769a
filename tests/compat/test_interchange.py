"""Data written by the real SmartRedis 0.6.1 client is read by ours, and the reverse.

The keys and stored bytes must be identical whichever client wrote them: the same tensor or
dataset put by both clients gives byte-equal DUMP payloads and metadata hashes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from compat.keyspace import WIRE_DTYPES, extreme_array, tensorget_reply
from compat.real_client import DatasetSpec, RealClient, decode_array, decode_dataset, put_tensor_op
from compat.samples import sample_dataset_spec
from smartredis import Client, Dataset

pytestmark = pytest.mark.compat

DTYPES = list(WIRE_DTYPES)


def _arrays() -> dict[str, np.ndarray]:
    arrays = {dtype: extreme_array(dtype) for dtype in DTYPES}
    arrays["big"] = np.arange(300_000, dtype=np.float64).reshape(100, 3000)
    return arrays


def test_real_client_writes_our_client_reads(real_client: RealClient, our_client: Client) -> None:
    arrays = _arrays()
    real_client.run([put_tensor_op(f"real_{name}", array) for name, array in arrays.items()])
    for name, array in arrays.items():
        back = our_client.get_tensor(f"real_{name}")
        assert (back.dtype, back.shape) == (array.dtype, array.shape)
        assert back.tobytes() == array.tobytes()


def test_our_client_writes_real_client_reads(real_client: RealClient, our_client: Client) -> None:
    arrays = _arrays()
    for name, array in arrays.items():
        our_client.put_tensor(f"ours_{name}", array)
    results = real_client.run([{"op": "get_tensor", "name": f"ours_{name}"} for name in arrays])
    for (_, array), got in zip(arrays.items(), results, strict=True):
        back = decode_array(got)
        assert (back.dtype, back.shape) == (array.dtype, array.shape)
        assert back.tobytes() == array.tobytes()


def test_both_clients_store_identical_bytes(
    real_client: RealClient, our_client: Client, ai_server: Any
) -> None:
    arrays = _arrays()
    real_client.run([put_tensor_op(f"real_{name}", array) for name, array in arrays.items()])
    for name, array in arrays.items():
        our_client.put_tensor(f"ours_{name}", array)
    raw = ai_server.client()
    for name, array in arrays.items():
        real_key, our_key = f"real_{name}", f"ours_{name}"
        assert raw.execute_command("AI.TENSORGET", real_key, "META", "BLOB") == tensorget_reply(array)
        assert raw.execute_command("AI.TENSORGET", our_key, "META", "BLOB") == tensorget_reply(array)
        assert raw.dump(real_key) == raw.dump(our_key)


def test_prefixed_keys_match(
    real_client_python: Any, ai_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ssdb = f"{ai_server.host}:{ai_server.port}"
    real = RealClient(real_client_python, ssdb, extra_env={"SSKEYOUT": "real", "SSKEYIN": "ours"})
    monkeypatch.setenv("SSDB", ssdb)
    monkeypatch.setenv("SR_DB_TYPE", "Standalone")
    monkeypatch.setenv("SSKEYOUT", "ours")
    monkeypatch.setenv("SSKEYIN", "real")
    ours = Client()
    a = np.arange(4, dtype=np.int8)
    b = np.arange(4, dtype=np.uint16)
    real.put_tensor("a", a)
    ours.put_tensor("b", b)
    assert sorted(ai_server.client().keys()) == [b"ours.b", b"real.a"]
    assert ours.get_tensor("a").tobytes() == a.tobytes()
    assert real.get_tensor("b").tobytes() == b.tobytes()


# ---------------------------------------------------------------- datasets and lists


def _build_our_dataset(spec: DatasetSpec) -> Dataset:
    dataset = Dataset(spec.name)
    for name, array in spec.tensors:
        dataset.add_tensor(name, array)
    for field, value, kind in spec.scalars:
        scalar = value if kind in ("int", "float") else np.dtype(kind).type(value)
        dataset.add_meta_scalar(field, scalar)
    for field, text in spec.strings:
        dataset.add_meta_string(field, text)
    return dataset


def _assert_dataset_matches(got: Any, spec: DatasetSpec) -> None:
    """``got``: our Dataset, compared with what the spec put in."""
    assert got.get_name() == spec.name
    assert got.get_tensor_names() == [name for name, _ in spec.tensors]
    for name, array in spec.tensors:
        back = got.get_tensor(name)
        assert (back.dtype, back.shape, back.tobytes()) == (array.dtype, array.shape, array.tobytes())
    assert got.get_meta_scalars("step").tolist() == [spec.scalars[0][1], spec.scalars[1][1]]
    assert got.get_meta_scalars("f32").dtype == np.float32
    assert got.get_meta_scalars("u64").tolist() == [2**63]
    assert got.get_meta_strings("who") == [spec.strings[0][1], "again"]
    assert got.get_meta_strings("note") == [""]


def test_datasets_written_by_either_client_are_byte_identical(
    real_client: RealClient, our_client: Client, ai_server: Any
) -> None:
    real_spec, our_spec = sample_dataset_spec("by_real", 3), sample_dataset_spec("by_ours", 3)
    real_client.put_dataset(real_spec)
    our_client.put_dataset(_build_our_dataset(our_spec))
    raw = ai_server.client()
    assert sorted(raw.keys()) == sorted(
        f"{{{name}}}.{suffix}".encode() for name in ("by_real", "by_ours") for suffix in ("meta", "u", "d")
    )
    assert raw.hgetall("{by_real}.meta") == raw.hgetall("{by_ours}.meta")
    for tensor in ("u", "d"):
        assert raw.dump(f"{{by_real}}.{tensor}") == raw.dump(f"{{by_ours}}.{tensor}")


def test_real_client_dataset_read_by_our_client(real_client: RealClient, our_client: Client) -> None:
    spec = sample_dataset_spec("ds", 5)
    real_client.put_dataset(spec)
    assert our_client.dataset_exists("ds")
    _assert_dataset_matches(our_client.get_dataset("ds"), spec)


def test_our_dataset_read_by_real_client(real_client: RealClient, our_client: Client) -> None:
    spec = sample_dataset_spec("ds", 7)
    our_client.put_dataset(_build_our_dataset(spec))
    results = real_client.run([{"op": "dataset_exists", "name": "ds"}, {"op": "get_dataset", "name": "ds"}])
    assert results[0] is True
    got = decode_dataset(results[1])
    assert got["tensor_names"] == ["u", "d"]
    for name, array in spec.tensors:
        assert got["tensors"][name].tobytes() == array.tobytes()
    assert got["meta"] == {
        "step": {"type": "int64", "values": [7, 8]},
        "dt": {"type": "float64", "values": [0.25]},
        "f32": {"type": "float32", "values": [1.5]},
        "i32": {"type": "int32", "values": [-7]},
        "u32": {"type": "uint32", "values": [42]},
        "u64": {"type": "uint64", "values": [2**63]},
        "who": {"type": "str", "values": ["rank 7", "again"]},
        "note": {"type": "str", "values": [""]},
    }


def test_aggregation_lists_are_shared(real_client: RealClient, our_client: Client, ai_server: Any) -> None:
    specs = [sample_dataset_spec(f"sample_{i}", i) for i in range(4)]
    # Alternate writers on one list: the real client appends even samples, ours odd ones.
    for i, spec in enumerate(specs):
        if i % 2 == 0:
            real_client.run(
                [
                    {"op": "put_dataset", "dataset": spec.to_json()},
                    {"op": "append_to_list", "list": "mixed", "dataset": spec.to_json()},
                ]
            )
        else:
            dataset = _build_our_dataset(spec)
            our_client.put_dataset(dataset)
            our_client.append_to_list("mixed", dataset)
    assert ai_server.client().lrange("mixed", 0, -1) == [f"{{sample_{i}}}".encode() for i in range(4)]

    assert our_client.get_list_length("mixed") == 4
    for spec, got in zip(specs, our_client.get_datasets_from_list("mixed"), strict=True):
        _assert_dataset_matches(got, spec)

    length, listed = real_client.run(
        [{"op": "get_list_length", "list": "mixed"}, {"op": "get_datasets_from_list", "list": "mixed"}]
    )
    assert length == 4
    assert [d["name"] for d in listed] == [s.name for s in specs]
    for spec, described in zip(specs, listed, strict=True):
        got = decode_dataset(described)
        for name, array in spec.tensors:
            assert got["tensors"][name].tobytes() == array.tobytes()
