"""Edge cases, one at a time, through the real SmartRedis 0.6.1 client and ours: empty names,
the reserved ``.meta`` tensor name, missing sources and invalid model settings. Each case runs
after the same setup on a fresh server per client; the last result and the keyspaces must
match, except where ours is deliberately stricter (``STRICTER``)."""

from __future__ import annotations

from typing import Any

import pytest

from compat.differential import RENAME_ONTO_ITSELF, SCRIPT_SOURCE, normalise, run_ours
from compat.keyspace import stored_contents
from compat.real_client import RealClient

pytestmark = pytest.mark.compat

DATASET = {"name": "d1", "tensors": [], "meta_scalars": [], "meta_strings": [{"field": "note", "value": "x"}]}
UNNAMED_DATASET = {**DATASET, "name": ""}
ONE_BYTE = {"dtype": "uint8", "shape": [1], "data": "AQ=="}
SCALAR = {"dtype": "float64", "shape": [], "data": "AAAAAAAA8D8="}  # a 0-d array holding 1.0
NO_ELEMENTS = {"dtype": "float32", "shape": [0, 3], "data": ""}
MODEL = "bW9kZWw="  # base64 of b"model"
SETUP: list[dict[str, Any]] = [
    {"op": "put_tensor", "name": "a", **ONE_BYTE},
    {"op": "put_dataset", "dataset": DATASET},
    {"op": "append_to_list", "list": "L1", "dataset": DATASET},
    {"op": "set_model", "name": "m1", "model": MODEL, "backend": "TORCH"},
    {"op": "set_script", "name": "s1", "script": SCRIPT_SOURCE},
]
CASES: list[dict[str, Any]] = [
    {"op": "put_tensor", "name": "", **ONE_BYTE},
    {"op": "put_tensor", "name": ".meta", **ONE_BYTE},
    {"op": "put_tensor", "name": "scalar", **SCALAR},
    {"op": "put_tensor", "name": "none", **NO_ELEMENTS},
    {"op": "get_tensor", "name": ""},
    {"op": "tensor_exists", "name": ""},
    {"op": "delete_tensor", "name": ""},
    {"op": "copy_tensor", "src": "", "dest": "b"},
    {"op": "rename_tensor", "src": "", "dest": "b"},
    {"op": "put_dataset", "dataset": UNNAMED_DATASET},
    {"op": "put_dataset", "dataset": {**DATASET, "tensors": [{"name": "t", **SCALAR}]}},
    {"op": "put_dataset", "dataset": {**DATASET, "tensors": [{"name": "t", **NO_ELEMENTS}]}},
    {"op": "put_dataset", "dataset": {**DATASET, "tensors": [{"name": "", **ONE_BYTE}]}},
    {"op": "put_dataset", "dataset": {**DATASET, "tensors": [{"name": "meta", **ONE_BYTE}]}},
    {"op": "put_dataset", "dataset": {**DATASET, "meta_strings": [{"field": "", "value": "x"}]}},
    {"op": "put_dataset", "dataset": {**DATASET, "meta_strings": [{"field": "f", "value": ""}]}},
    {
        "op": "put_dataset",
        "dataset": {
            **DATASET,
            "meta_strings": [],
            "meta_scalars": [
                {"field": "f", "type": "int", "value": 1},
                {"field": "f", "type": "float", "value": 1.5},
            ],
        },
    },
    {"op": "get_dataset", "name": ""},
    {"op": "dataset_exists", "name": ""},
    {"op": "delete_dataset", "name": ""},
    {"op": "copy_dataset", "src": "", "dest": "d2"},
    {"op": "copy_dataset", "src": "d1", "dest": ""},
    {"op": "rename_dataset", "src": "", "dest": "d2"},
    {"op": "rename_dataset", "src": "d1", "dest": ""},
    {"op": "append_to_list", "list": "", "dataset": DATASET},
    {"op": "append_to_list", "list": "L1", "dataset": UNNAMED_DATASET},
    {"op": "get_list_length", "list": ""},
    {"op": "get_datasets_from_list", "list": ""},
    {"op": "get_dataset_list_range", "list": "", "start": 0, "end": -1},
    {"op": "delete_list", "list": ""},
    {"op": "copy_list", "src": "", "dest": "L2"},
    {"op": "copy_list", "src": "L1", "dest": ""},
    {"op": "rename_list", "src": "", "dest": "L2"},
    {"op": "rename_list", "src": "L1", "dest": ""},
    {"op": "set_model", "name": "", "model": MODEL, "backend": "TORCH"},
    {"op": "set_model", "name": "", "model": MODEL, "backend": "TORCH", "min_batch_timeout": 10},
    {"op": "set_model", "name": "m", "model": "", "backend": "TORCH"},
    {"op": "set_model", "name": "m", "model": MODEL, "backend": ""},
    {"op": "set_model", "name": "m", "model": MODEL, "backend": "NOPE"},
    {"op": "set_model", "name": "m", "model": MODEL, "backend": "TORCH", "device": ""},
    {"op": "set_model", "name": "m", "model": MODEL, "backend": "TORCH", "device": "GPU:x"},
    {"op": "set_model", "name": "m", "model": MODEL, "backend": "TORCH", "device": "TPU"},
    {"op": "set_model", "name": "m", "model": MODEL, "backend": "TF"},
    {"op": "get_model", "name": ""},
    {"op": "model_exists", "name": ""},
    {"op": "delete_model", "name": ""},
    {"op": "set_script", "name": "", "script": SCRIPT_SOURCE},
    {"op": "set_script", "name": "s", "script": ""},
    {"op": "set_script", "name": "s", "script": SCRIPT_SOURCE, "device": "TPU"},
    {"op": "get_script", "name": ""},
    {"op": "delete_script", "name": ""},
    {"op": "key_exists", "key": ""},
    {"op": "set_data_source", "source": ""},
    {"op": "get_tensor", "name": "missing"},
    {"op": "get_dataset", "name": "missing"},
    {"op": "get_model", "name": "missing"},
    {"op": "get_script", "name": "missing"},
    {"op": "delete_model", "name": "missing"},
    {"op": "delete_script", "name": "missing"},
    {"op": "delete_dataset", "name": "missing"},
    {"op": "copy_tensor", "src": "missing", "dest": "b"},
    {"op": "rename_tensor", "src": "missing", "dest": "b"},
    {"op": "copy_dataset", "src": "missing", "dest": "d2"},
    {"op": "copy_dataset", "src": "missing", "dest": ""},
    {"op": "copy_list", "src": "missing", "dest": "L2"},
    {"op": "get_dataset_list_range", "list": "missing", "start": 0, "end": -1},
    {"op": "run_model", "name": "missing", "inputs": ["a"], "outputs": ["o"]},
    {"op": "run_script", "name": "missing", "function": "add", "inputs": ["a"], "outputs": ["o"]},
]
# SmartRedis stores a tensor copy under an empty or reserved key (one that its own get_tensor then
# refuses to read); ours refuses the write with the error put_tensor gives for such a key.
STRICTER: list[dict[str, Any]] = [
    {"op": "copy_tensor", "src": "a", "dest": ""},
    {"op": "copy_tensor", "src": "a", "dest": ".meta"},
    {"op": "rename_tensor", "src": "a", "dest": ""},
]


def case_id(op: dict[str, Any]) -> str:
    arguments = {k: v for k, v in op.items() if k not in ("op", "dataset", "model", "data", "script")}
    return f"{op['op']}{arguments}"


@pytest.fixture
def servers(ai_server_factory: Any) -> tuple[Any, Any]:
    return ai_server_factory(), ai_server_factory()


def _run_both(servers: Any, real_client_python: Any, op: dict[str, Any]) -> tuple[Any, Any]:
    theirs_server, ours_server = servers
    ops = [*SETUP, op]
    theirs = RealClient(real_client_python, f"{theirs_server.host}:{theirs_server.port}").run_raw(ops)
    ours = run_ours(f"{ours_server.host}:{ours_server.port}", "Standalone", {}, ops)
    assert (
        [normalise(r) for r in theirs[:-1]]
        == [("ok", None)] * len(SETUP)
        == [normalise(r) for r in ours[:-1]]
    )
    return normalise(theirs[-1]), normalise(ours[-1])


@pytest.mark.parametrize("op", CASES, ids=[case_id(op) for op in CASES])
def test_edge_case_behaves_alike(servers: Any, real_client_python: Any, op: dict[str, Any]) -> None:
    theirs, ours = _run_both(servers, real_client_python, op)
    assert ours == theirs
    assert stored_contents(servers[1].client()) == stored_contents(servers[0].client())


@pytest.mark.parametrize("op", STRICTER, ids=[case_id(op) for op in STRICTER])
def test_tensor_copies_to_unusable_keys_are_refused(
    servers: Any, real_client_python: Any, op: dict[str, Any]
) -> None:
    theirs, ours = _run_both(servers, real_client_python, op)
    assert theirs == ("ok", None)
    expected = (
        "A name must be provided for the tensor"
        if not op["dest"]
        else (".meta is an internally reserved name that is not allowed.")
    )
    assert ours == ("error", "RedisRuntimeError", expected)


def test_a_dataset_renamed_onto_itself_is_kept(servers: Any, real_client_python: Any) -> None:
    """SmartRedis copies the dataset onto itself, then deletes the source: the data is gone. Ours
    leaves it in place."""
    theirs, ours = _run_both(servers, real_client_python, RENAME_ONTO_ITSELF)
    assert theirs == ours == ("ok", None)
    check = [{"op": "dataset_exists", "name": RENAME_ONTO_ITSELF["src"]}]
    theirs_server, ours_server = servers
    assert RealClient(real_client_python, f"{theirs_server.host}:{theirs_server.port}").run(check) == [False]
    assert run_ours(f"{ours_server.host}:{ours_server.port}", "Standalone", {}, check) == [{"ok": True}]
