"""The worker side of execution, driven by hand: AI._WORKER.HELLO / NEXT / MODEL / DONE / LIST.

The test itself plays the worker, so every reply layout of docs/worker-protocol.md is asserted.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest
import redis

from .conftest import wait_for
from .test_execute_commands import blocked_callers, in_background, set_tensor, wire_error

ME = "AI.MODELEXECUTE"


def fields(reply: list[Any]) -> dict[str, Any]:
    return {reply[i].decode(): reply[i + 1] for i in range(0, len(reply), 2)}


@pytest.fixture
def worker(ai_server: Any) -> redis.Redis:
    conn = ai_server.client()
    assert conn.execute_command("AI._WORKER.HELLO", "cpu", "TORCH", "onnx") == b"OK"
    return conn


def test_registration_errors_and_list(ai_server: Any) -> None:
    conn = ai_server.client()
    assert wire_error(ai_server, "AI._WORKER.HELLO", "CPU") == (
        "ERR wrong number of arguments for 'AI._WORKER.HELLO' command"
    )
    assert wire_error(ai_server, "AI._WORKER.HELLO", "CPU", "PYTORCH") == "ERR unsupported backend"
    assert wire_error(ai_server, "AI._WORKER.NEXT", 10) == (
        "ERR this connection is not a worker (send AI._WORKER.HELLO first)"
    )
    assert conn.execute_command("AI._WORKER.LIST") == []
    conn.execute_command("AI._WORKER.HELLO", "gpu:1", "TORCH", "ONNX")
    [(client_id, device, backends, runs)] = conn.execute_command("AI._WORKER.LIST")
    assert client_id == conn.client_id()
    assert (device, sorted(backends), runs) == (b"GPU:1", [b"ONNX", b"TORCH"], 0)
    conn.close()
    wait_for(
        lambda: ai_server.client().execute_command("AI._WORKER.LIST") == [], what="the registration to end"
    )


def test_next_times_out_with_nil(worker: redis.Redis) -> None:
    started = time.monotonic()
    assert worker.execute_command("AI._WORKER.NEXT", 100) is None
    assert 0.05 < time.monotonic() - started < 2


def test_full_exchange(ai_server: Any, worker: redis.Redis) -> None:
    client = ai_server.client()
    client.execute_command("AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", b"chunk1", b"chunk2")
    x = np.arange(6, dtype=np.int16).reshape(2, 3)
    set_tensor(client, "a", x, "INT16")
    thread, result = in_background(
        lambda: ai_server.client().execute_command(ME, "m", "INPUTS", 2, "a", "a", "OUTPUTS", 1, "b")
    )
    run = fields(worker.execute_command("AI._WORKER.NEXT", 5000))
    assert {k: run[k] for k in ("kind", "key", "backend", "device", "function", "entry_point")} == {
        "kind": b"MODEL",
        "key": b"m",
        "backend": b"TORCH",
        "device": b"CPU",
        "function": b"",
        "entry_point": 0,
    }
    assert isinstance(run["version"], int)
    [request] = [fields(r) for r in run["requests"]]
    assert (request["keys"], request["args"], request["noutputs"]) == ([], [], 1)
    assert request["inputs"] == [[b"INT16", [2, 3], x.tobytes()]] * 2
    assert worker.execute_command("AI._WORKER.MODEL", run["run"]) == b"chunk1chunk2"
    assert worker.execute_command("AI._WORKER.LIST")[0][3] == 1
    out = np.array([7, 8], dtype=np.uint8)
    reply = worker.execute_command("AI._WORKER.DONE", run["run"], "OK", 55, 1, "UINT8", 1, 2, out.tobytes())
    assert reply == 1
    thread.join(10)
    assert result["value"] == b"OK"
    assert client.execute_command("AI.TENSORGET", "b", "META", "BLOB") == [
        b"dtype",
        b"UINT8",
        b"shape",
        [2],
        b"blob",
        out.tobytes(),
    ]
    # A run is reported once.
    assert worker.execute_command("AI._WORKER.DONE", run["run"], "OK", 1, 0) == 0
    with pytest.raises(redis.ResponseError, match="unknown run"):
        worker.execute_command("AI._WORKER.MODEL", run["run"])
    info = fields(client.execute_command("AI.INFO", "m"))
    assert (info["duration"], info["calls"], info["samples"]) == (55, 1, 2)


def test_model_io_names_of_the_run_version(ai_server: Any) -> None:
    """AI._WORKER.MODEL <run> IO gives the names of the version the run holds, even after the key
    was stored again with other names."""
    client = ai_server.client()
    worker = ai_server.client()
    assert worker.execute_command("AI._WORKER.HELLO", "CPU", "TF") == b"OK"
    client.execute_command(
        "AI.MODELSTORE", "tf", "TF", "CPU", "INPUTS", 2, "a", "b", "OUTPUTS", 1, "c", "BLOB", b"graph"
    )
    set_tensor(client, "x", np.ones(2, dtype=np.float32), "FLOAT")
    thread, _ = in_background(
        lambda: ai_server.client().execute_command(ME, "tf", "INPUTS", 2, "x", "x", "OUTPUTS", 1, "y")
    )
    run = fields(worker.execute_command("AI._WORKER.NEXT", 5000))
    client.execute_command(
        "AI.MODELSTORE", "tf", "TF", "CPU", "INPUTS", 1, "z", "OUTPUTS", 1, "w", "BLOB", b"g2"
    )
    assert worker.execute_command("AI._WORKER.MODEL", run["run"], "IO") == [[b"a", b"b"], [b"c"]]
    assert worker.execute_command("AI._WORKER.MODEL", run["run"], "io") == [[b"a", b"b"], [b"c"]]
    with pytest.raises(redis.ResponseError, match="takes IO or nothing"):
        worker.execute_command("AI._WORKER.MODEL", run["run"], "BLOB")
    worker.execute_command("AI._WORKER.DONE", run["run"], "ERR", 0, "ERR stop")
    thread.join(10)


def test_script_request_fields(ai_server: Any, worker: redis.Redis) -> None:
    client = ai_server.client()
    client.execute_command("AI.SCRIPTSTORE", "s", "CPU", "ENTRY_POINTS", 1, "f", "SOURCE", "src")
    set_tensor(client, "a", np.ones(2, dtype=np.float32), "FLOAT")
    thread, result = in_background(
        lambda: ai_server.client().execute_command(
            "AI.SCRIPTEXECUTE", "s", "f", "KEYS", 2, "k1", "k2", "INPUTS", 1, "a", "ARGS", 2, "x", "3"
        )
    )
    run = fields(worker.execute_command("AI._WORKER.NEXT", 5000))
    assert (run["kind"], run["function"], run["entry_point"], run["backend"]) == (
        b"SCRIPT",
        b"f",
        1,
        b"TORCH",
    )
    [request] = [fields(r) for r in run["requests"]]
    assert (request["keys"], request["args"], request["noutputs"]) == ([b"k1", b"k2"], [b"x", b"3"], 0)
    assert worker.execute_command("AI._WORKER.MODEL", run["run"]) == b"src"
    assert (
        worker.execute_command("AI._WORKER.DONE", run["run"], "ERR", 0, "Function does not exist: f\nline")
        == 1
    )
    thread.join(10)
    assert str(result["error"]) == "Function does not exist: f line"


def test_malformed_result_fails_the_caller(ai_server: Any, worker: redis.Redis) -> None:
    client = ai_server.client()
    client.execute_command("AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", b"x")
    set_tensor(client, "a", np.ones(2, dtype=np.float32), "FLOAT")
    thread, result = in_background(
        lambda: ai_server.client().execute_command(ME, "m", "INPUTS", 1, "a", "OUTPUTS", 1, "b")
    )
    run = fields(worker.execute_command("AI._WORKER.NEXT", 5000))
    with pytest.raises(redis.ResponseError, match="malformed result"):
        worker.execute_command("AI._WORKER.DONE", run["run"], "OK", 1, 1, "FLOAT", 1, 3, b"\0" * 8)
    thread.join(10)
    assert str(result["error"]).startswith("worker returned a malformed result: ")
    assert client.exists("b") == 0


def test_parked_worker_is_woken_by_a_new_job(ai_server: Any, worker: redis.Redis) -> None:
    client = ai_server.client()
    client.execute_command("AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", b"x")
    set_tensor(client, "a", np.ones(2, dtype=np.float32), "FLOAT")
    parked, got = in_background(lambda: worker.execute_command("AI._WORKER.NEXT", 0))
    wait_for(lambda: blocked_callers(client, "ai._worker.next") == 1, what="the worker to park")
    caller, _ = in_background(
        lambda: ai_server.client().execute_command(
            ME, "m", "INPUTS", 1, "a", "OUTPUTS", 1, "b", "TIMEOUT", 200
        )
    )
    parked.join(10)
    run = fields(got["value"])
    assert run["backend"] == b"ONNX"
    worker.execute_command(
        "AI._WORKER.DONE", run["run"], "OK", 1, 1, "FLOAT", 1, 2, np.ones(2, np.float32).tobytes()
    )
    caller.join(10)
