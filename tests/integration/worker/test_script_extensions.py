"""``redis.execute``, ``redis.asList`` and ``redisAI.model_execute`` inside TorchScript scripts."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

from compat.real_client import RealClient, decode_array, put_tensor_op, real_client_python

from .conftest import Supervisor
from .models import Double, torch_bytes

__all__ = ["real_client_python"]

# Entry points take (tensors, keys, args); the other functions use the legacy positional binding.
SCRIPT = """
def set_key(tensors: List[Tensor], keys: List[str], args: List[str]):
    redis.execute("SET", [keys[0], args[0]])

def set_get_int(tensors: List[Tensor], keys: List[str], args: List[str]):
    redis.execute("SET", keys[0], args[0])
    value = redis.execute("GET", [keys[0]])
    redis.execute("DEL", [keys[0]])
    return torch.tensor(int(str(value)))

def incr(tensors: List[Tensor], keys: List[str], args: List[str]):
    redis.execute("SET", [keys[0], "41"])
    count = redis.execute("INCR", [keys[0]])
    return torch.tensor(int(str(count)))

def list_and_hash(tensors: List[Tensor], keys: List[str], args: List[str]):
    redis.execute("RPUSH", [keys[0], "1", "2", "3"])
    items = redis.asList(redis.execute("LRANGE", [keys[0], "0", "-1"]))
    listed = [torch.tensor(int(str(v))).reshape(1, 1) for v in items]
    redis.execute("HSET", [keys[1], "a", "10", "b", "20"])
    values = redis.asList(redis.execute("HVALS", [keys[1]]))
    hashed = [torch.tensor(int(str(v))).reshape(1, 1) for v in values]
    return torch.cat(listed, dim=0), torch.cat(hashed, dim=0)

def read_tensor(tensors: List[Tensor], keys: List[str], args: List[str]):
    values = redis.asList(redis.execute("AI.TENSORGET", [keys[0], "VALUES"]))
    return torch.tensor([float(str(v)) for v in values]) + tensors[0]

def error_message(tensors: List[Tensor], keys: List[str], args: List[str]):
    redis.execute("SET", [keys[0]])
    return tensors[0]

def wrong_type(tensors: List[Tensor], keys: List[str], args: List[str]):
    redis.execute("SET", [keys[0], "text"])
    redis.execute("LPUSH", [keys[0], "x"])
    return tensors[0]

def blocking(tensors: List[Tensor], keys: List[str], args: List[str]):
    redis.execute("BLPOP", [keys[0], "0"])
    return tensors[0]

def run_model(tensors: List[Tensor], keys: List[str], args: List[str]):
    return redisAI.model_execute(keys[0], [tensors[0]], 1)

def double_through_model(x):
    redis.execute("SET", "touched", "yes")
    return redisAI.model_execute("m", [x + 1], 1)[0]
"""

ENTRY_POINTS = [
    "set_key", "set_get_int", "incr", "list_and_hash", "read_tensor", "error_message", "wrong_type",
    "blocking", "run_model",
]  # fmt: skip


def execute(conn: Any, function: str, keys: list[str], *rest: Any) -> Any:
    return conn.execute_command("AI.SCRIPTEXECUTE", "ext", function, "KEYS", len(keys), *keys, *rest)


def tensor(conn: Any, key: str) -> np.ndarray:
    dtype, shape, blob = conn.execute_command("AI.TENSORGET", key, "META", "BLOB")[1::2]
    types = {b"FLOAT": np.float32, b"INT64": np.int64}
    return np.frombuffer(blob, dtype=types[dtype]).reshape(shape)


@pytest.fixture
def ext(ai_server: Any, cpu_worker: Supervisor) -> Any:
    conn = ai_server.client()
    conn.execute_command(
        "AI.SCRIPTSTORE", "ext", "CPU", "ENTRY_POINTS", len(ENTRY_POINTS), *ENTRY_POINTS, "SOURCE", SCRIPT
    )
    return conn


def test_redis_execute_writes_and_reads(ext: Any) -> None:
    assert execute(ext, "set_key", ["k"], "ARGS", 1, "hello") in (b"OK", "OK")
    assert ext.get("k") == b"hello"
    execute(ext, "set_get_int", ["n"], "ARGS", 1, "17", "OUTPUTS", 1, "out")
    assert tensor(ext, "out").tolist() == 17
    assert ext.exists("n") == 0
    execute(ext, "incr", ["c"], "OUTPUTS", 1, "out")
    assert tensor(ext, "out").tolist() == 42
    execute(ext, "list_and_hash", ["l", "h"], "OUTPUTS", 2, "listed", "hashed")
    assert tensor(ext, "listed").ravel().tolist() == [1, 2, 3]
    assert sorted(tensor(ext, "hashed").ravel().tolist()) == [10, 20]


def test_redis_execute_reads_a_tensor_key(ext: Any) -> None:
    ext.execute_command("AI.TENSORSET", "t", "FLOAT", 3, "VALUES", 1, 2, 3)
    ext.execute_command("AI.TENSORSET", "one", "FLOAT", 1, "VALUES", 1)
    execute(ext, "read_tensor", ["t"], "INPUTS", 1, "one", "OUTPUTS", 1, "out")
    np.testing.assert_array_equal(tensor(ext, "out"), [2.0, 3.0, 4.0])


def test_redis_errors_reach_the_caller(ext: Any) -> None:
    ext.execute_command("AI.TENSORSET", "one", "FLOAT", 1, "VALUES", 1)
    with pytest.raises(Exception) as raised:
        execute(ext, "error_message", ["k"], "INPUTS", 1, "one", "OUTPUTS", 1, "out")
    assert str(raised.value) == (
        "Redis command returned an error: ERR wrong number of arguments for 'set' command"
    )
    with pytest.raises(Exception, match=r"^Redis command returned an error: WRONGTYPE Operation"):
        execute(ext, "wrong_type", ["w"], "INPUTS", 1, "one", "OUTPUTS", 1, "out")
    with pytest.raises(Exception, match=r"^Redis command returned an error: ERR BLPOP is not allowed"):
        execute(ext, "blocking", ["b"], "INPUTS", 1, "one", "OUTPUTS", 1, "out")
    assert ext.exists("out") == 0
    # The worker keeps serving, its script connection too.
    assert execute(ext, "set_key", ["k"], "ARGS", 1, "after") in (b"OK", "OK")
    assert ext.get("k") == b"after"


def test_model_execute_runs_a_stored_model(ext: Any) -> None:
    ext.execute_command("AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", torch_bytes(Double()))
    ext.execute_command("AI.TENSORSET", "x", "FLOAT", 2, 2, "VALUES", 1, 2, 3, 4)
    execute(ext, "run_model", ["m"], "INPUTS", 1, "x", "OUTPUTS", 1, "y")
    np.testing.assert_array_equal(tensor(ext, "y"), [[2.0, 4.0], [6.0, 8.0]])
    # A new value under the same key is used at once.
    ext.execute_command("AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", torch_bytes(Triple()))
    execute(ext, "run_model", ["m"], "INPUTS", 1, "x", "OUTPUTS", 1, "y")
    np.testing.assert_array_equal(tensor(ext, "y"), [[3.0, 6.0], [9.0, 12.0]])
    # The reply is "ERR model key is empty"; redis-py drops the "ERR " prefix.
    with pytest.raises(Exception, match=r"^model key is empty$"):
        execute(ext, "run_model", ["missing"], "INPUTS", 1, "x", "OUTPUTS", 1, "y")


def test_our_client_runs_a_script_with_extensions(ai_server: Any, cpu_worker: Supervisor) -> None:
    from smartredis import Client

    client = Client(cluster=False, address=f"{ai_server.host}:{ai_server.port}")
    client.set_model("m", torch_bytes(Double()), "TORCH", "CPU")
    client.set_script("s", SCRIPT, "CPU")
    x = np.arange(4, dtype=np.float32)
    client.put_tensor("x", x)
    client.run_script("s", "double_through_model", ["x"], ["y"])
    np.testing.assert_array_equal(client.get_tensor("y"), (x + 1) * 2)
    assert ai_server.client().get("touched") == b"yes"


@pytest.mark.compat
def test_real_client_runs_a_script_with_extensions(
    ai_server: Any, cpu_worker: Supervisor, real_client_python: Path
) -> None:
    client = RealClient(real_client_python, f"{ai_server.host}:{ai_server.port}", "Standalone")
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    results = client.run(
        [
            put_tensor_op("x", x),
            {
                "op": "set_model",
                "name": "m",
                "model": base64.b64encode(torch_bytes(Double())).decode(),
                "backend": "TORCH",
            },
            {"op": "set_script", "name": "s", "script": SCRIPT},
            {
                "op": "run_script",
                "name": "s",
                "function": "double_through_model",
                "inputs": ["x"],
                "outputs": ["y"],
            },
            {"op": "get_tensor", "name": "y"},
        ]
    )
    np.testing.assert_array_equal(decode_array(results[4]), (x + 1) * 2)
    assert ai_server.client().get("touched") == b"yes"


class Triple(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * 3
