"""In a 3-shard cluster, each client reads what the other wrote: tensors of every dtype (one
large), datasets with all metadata types, aggregation lists with entries from both writers,
models and scripts (one copy per shard, found by either client's reader, and run by the client
that did not store them).

Both clients run the operation vocabulary of ``real_client_runner.py`` (ours in this process
through ``run_ours``), so a read gives the same JSON-able description whichever client made it.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cluster_support import RunningCluster
from compat.differential import run_ours
from compat.keyspace import WIRE_DTYPES, extreme_array
from compat.real_client import (
    RealClient,
    decode_dataset,
    encode_array,
    put_tensor_op,
)
from compat.samples import sample_dataset_spec
from compat.workers import running_workers

pytestmark = pytest.mark.compat

WRITERS_AND_READERS = [("real", "ours"), ("ours", "real"), ("real", "real"), ("ours", "ours")]
MODEL_BLOB = bytes(range(256)) * 16
SCRIPT_SOURCE = "def scale(x):\n    return 2 * x\n"


@pytest.fixture(scope="module")
def cluster_shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCluster]:
    cluster = RunningCluster(tmp_path_factory.mktemp("cluster"))
    yield cluster
    cluster.stop()


@pytest.fixture
def cluster(cluster_shared: RunningCluster) -> RunningCluster:
    cluster_shared.flush()
    return cluster_shared


def _run(client: str, cluster: RunningCluster, python: Any, ops: Sequence[dict[str, Any]]) -> list[Any]:
    """The values of ``ops`` run by the named client; any error fails the test with its text."""
    address = cluster.addresses[2]
    if client == "real":
        results = RealClient(python, address, "Clustered").run_raw(ops)
    else:
        results = run_ours(address, "Clustered", {}, ops)
    failed = [(op["op"], result) for op, result in zip(ops, results, strict=True) if "error" in result]
    assert not failed, f"{client}: {failed}"
    return [result["ok"] for result in results]


def _arrays() -> dict[str, np.ndarray]:
    arrays = {f"t_{dtype}_{i}": extreme_array(dtype) for dtype in WIRE_DTYPES for i in range(2)}
    arrays["big"] = np.arange(300_000, dtype=np.float64).reshape(100, 3000)
    return arrays


DATASETS = [sample_dataset_spec(f"ds_{i}", i) for i in range(6)]  # names spread over all shards


def _writes() -> list[dict[str, Any]]:
    ops = [put_tensor_op(name, array) for name, array in _arrays().items()]
    for spec in DATASETS:
        ops.append({"op": "put_dataset", "dataset": spec.to_json()})
        ops.append({"op": "append_to_list", "list": "samples", "dataset": spec.to_json()})
    ops.append(
        {"op": "set_model", "name": "m", "model": base64.b64encode(MODEL_BLOB).decode(), "backend": "TORCH"}
    )
    ops.append({"op": "set_script", "name": "s", "script": SCRIPT_SOURCE})
    return ops


def _reads() -> list[dict[str, Any]]:
    ops = [{"op": "get_tensor", "name": name} for name in _arrays()]
    ops += [{"op": "get_dataset", "name": spec.name} for spec in DATASETS]
    ops += [
        {"op": "get_list_length", "list": "samples"},
        {"op": "get_datasets_from_list", "list": "samples"},
        {"op": "model_exists", "name": "m"},
        {"op": "get_model", "name": "m"},
        {"op": "model_exists", "name": "s"},
        {"op": "get_script", "name": "s"},
    ]
    return ops


def _check_reads(results: list[Any]) -> None:
    arrays = _arrays()
    tensors, results = results[: len(arrays)], results[len(arrays) :]
    for (name, array), got in zip(arrays.items(), tensors, strict=True):
        assert got == encode_array(array), name
    datasets, results = results[: len(DATASETS)], results[len(DATASETS) :]
    length, listed, model_exists, model, script_exists, script = results
    assert length == len(DATASETS)
    assert [entry["name"] for entry in listed] == [spec.name for spec in DATASETS]
    for spec, got, from_list in zip(DATASETS, datasets, listed, strict=True):
        assert got == from_list
        dataset = decode_dataset(got)
        assert dataset["tensor_names"] == ["u", "d"]
        for name, array in spec.tensors:
            back = dataset["tensors"][name]
            assert (back.dtype, back.shape, back.tobytes()) == (array.dtype, array.shape, array.tobytes())
        seed = int(spec.name.split("_")[1])
        assert dataset["meta"] == {
            "step": {"type": "int64", "values": [seed, seed + 1]},
            "dt": {"type": "float64", "values": [0.25]},
            "f32": {"type": "float32", "values": [1.5]},
            "i32": {"type": "int32", "values": [-seed]},
            "u32": {"type": "uint32", "values": [42]},
            "u64": {"type": "uint64", "values": [2**63]},
            "who": {"type": "str", "values": [f"rank {seed}", "again"]},
            "note": {"type": "str", "values": [""]},
        }
    assert (model_exists, base64.b64decode(model)) == (True, MODEL_BLOB)
    assert (script_exists, script) == (True, SCRIPT_SOURCE)


@pytest.mark.parametrize(
    ("writer", "reader"), WRITERS_AND_READERS, ids=[f"{w}-to-{r}" for w, r in WRITERS_AND_READERS]
)
def test_each_client_reads_what_the_other_wrote(
    cluster: RunningCluster, real_client_python: Any, writer: str, reader: str
) -> None:
    _run(writer, cluster, real_client_python, _writes())
    _check_reads(_run(reader, cluster, real_client_python, _reads()))
    # Every shard holds some of the data and its own copy of the model and the script.
    for connection in cluster.shard_clients():
        keys = connection.keys()
        assert sum(key.endswith((b"}.m", b"}.s")) and key.startswith(b"{") for key in keys) == 2, keys
        assert len(keys) > 2, keys


def test_a_list_with_entries_from_both_writers(cluster: RunningCluster, real_client_python: Any) -> None:
    for spec in DATASETS:
        writer = "real" if int(spec.name.split("_")[1]) % 2 == 0 else "ours"
        _run(
            writer,
            cluster,
            real_client_python,
            [
                {"op": "put_dataset", "dataset": spec.to_json()},
                {"op": "append_to_list", "list": "mixed", "dataset": spec.to_json()},
            ],
        )
    reads = [{"op": "get_list_length", "list": "mixed"}, {"op": "get_datasets_from_list", "list": "mixed"}]
    theirs = _run("real", cluster, real_client_python, reads)
    ours = _run("ours", cluster, real_client_python, reads)
    assert theirs == ours
    assert theirs[0] == len(DATASETS)
    for spec, described in zip(DATASETS, theirs[1], strict=True):
        got = decode_dataset(described)
        assert got["name"] == spec.name
        for name, array in spec.tensors:
            assert got["tensors"][name].tobytes() == array.tobytes()


def _torchscript_double() -> bytes:
    torch = pytest.importorskip("torch", reason="building a TorchScript model needs torch")

    class Double(torch.nn.Module):  # type: ignore[misc]
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * 2

    buffer = io.BytesIO()
    torch.jit.save(torch.jit.script(Double()), buffer)
    return buffer.getvalue()


def test_models_and_scripts_stored_by_one_client_run_by_the_other(
    cluster: RunningCluster, real_client_python: Any, tmp_path: Path
) -> None:
    """run_model/run_script in a cluster stage inputs and outputs through `{S}.<name>.TMP` keys on
    the shard of the model copy they pick; the data keys stay on their own shards."""
    model = base64.b64encode(_torchscript_double()).decode()
    x = np.arange(8, dtype=np.float32).reshape(2, 4)
    a, b = np.arange(6, dtype=np.float64), np.full(6, 0.5)
    with running_workers(cluster.addresses, tmp_path / "workers"):
        for writer, runner in (("real", "ours"), ("ours", "real")):
            cluster.flush()
            _run(
                writer,
                cluster,
                real_client_python,
                [
                    {"op": "set_model", "name": "double", "model": model, "backend": "TORCH"},
                    {"op": "set_script", "name": "ops", "script": "def add(a, b):\n    return a + b\n"},
                    put_tensor_op("x", x),
                    put_tensor_op("a", a),
                    put_tensor_op("b", b),
                ],
            )
            results = _run(
                runner,
                cluster,
                real_client_python,
                [
                    {"op": "run_model", "name": "double", "inputs": ["x"], "outputs": ["y"]},
                    {
                        "op": "run_script",
                        "name": "ops",
                        "function": "add",
                        "inputs": ["a", "b"],
                        "outputs": ["s"],
                    },
                    {"op": "get_tensor", "name": "y"},
                    {"op": "get_tensor", "name": "s"},
                ],
            )
            assert results[2] == encode_array(x * 2), (writer, runner)
            assert results[3] == encode_array(a + b), (writer, runner)
            # No staging key is left behind: 3 inputs, 2 outputs, 3 model and 3 script copies.
            keys = [key for connection in cluster.shard_clients() for key in connection.keys()]  # noqa: SIM118 (a Redis client, not a dict)
            assert not [key for key in keys if key.endswith(b".TMP")], keys
            assert sorted(k for k in keys if not k.startswith(b"{")) == [b"a", b"b", b"s", b"x", b"y"], keys
            assert len(keys) == 5 + 3 + 3, keys
