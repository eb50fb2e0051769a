"""TORCH models and TorchScript scripts run end to end by the worker supervisor."""

from __future__ import annotations

import inspect
import os
import signal
import threading
from typing import Any

import numpy as np
import pytest
import torch

from .conftest import Supervisor, execute_concurrently, wait_for
from .models import SCRIPT, AddSub, Double, Half, Raises, RowSum, Slow, torch_bytes


def get(conn: Any, key: str) -> np.ndarray:
    dtype, shape, blob = conn.execute_command("AI.TENSORGET", key, "META", "BLOB")[1::2]
    types = {b"FLOAT": np.float32, b"DOUBLE": np.float64, b"INT64": np.int64, b"INT32": np.int32}
    return np.frombuffer(blob, dtype=types[dtype]).reshape(shape)


def put(conn: Any, key: str, array: np.ndarray) -> None:
    names = {np.float32: "FLOAT", np.float64: "DOUBLE", np.int64: "INT64", np.int32: "INT32"}
    conn.execute_command(
        "AI.TENSORSET",
        key,
        names[array.dtype.type],
        *array.shape,
        "BLOB",
        np.ascontiguousarray(array).tobytes(),
    )


def test_model_execute_raw(ai_server: Any, cpu_worker: Supervisor) -> None:
    conn = ai_server.client()
    conn.execute_command("AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", torch_bytes(Double()))
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    put(conn, "x", x)
    assert conn.execute_command("AI.MODELEXECUTE", "m", "INPUTS", 1, "x", "OUTPUTS", 1, "y") in (b"OK", "OK")
    np.testing.assert_array_equal(get(conn, "y"), x * 2)


def test_model_two_inputs_two_outputs_and_dtypes(ai_server: Any, cpu_worker: Supervisor) -> None:
    conn = ai_server.client()
    conn.execute_command("AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", torch_bytes(AddSub()))
    for dtype in (np.float32, np.float64, np.int64, np.int32):
        a = np.arange(4, dtype=dtype).reshape(2, 2)
        b = np.ones((2, 2), dtype=dtype)
        put(conn, "a", a)
        put(conn, "b", b)
        conn.execute_command("AI.MODELEXECUTE", "m", "INPUTS", 2, "a", "b", "OUTPUTS", 2, "s", "d")
        np.testing.assert_array_equal(get(conn, "s"), a + b)
        np.testing.assert_array_equal(get(conn, "d"), a - b)
        assert get(conn, "s").dtype == dtype


def test_model_error_text(ai_server: Any, cpu_worker: Supervisor) -> None:
    conn = ai_server.client()
    conn.execute_command("AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", torch_bytes(Raises()))
    put(conn, "x", np.ones((2,), dtype=np.float32))
    with pytest.raises(Exception, match="positive input rejected"):
        conn.execute_command("AI.MODELEXECUTE", "m", "INPUTS", 1, "x", "OUTPUTS", 1, "y")
    # The worker keeps serving after a failed run.
    put(conn, "x", -np.ones((2,), dtype=np.float32))
    conn.execute_command("AI.MODELEXECUTE", "m", "INPUTS", 1, "x", "OUTPUTS", 1, "y")
    np.testing.assert_array_equal(get(conn, "y"), -np.ones(2, dtype=np.float32))


def test_model_wrong_input_count(ai_server: Any, cpu_worker: Supervisor) -> None:
    conn = ai_server.client()
    conn.execute_command("AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", torch_bytes(Double()))
    put(conn, "x", np.ones((2,), dtype=np.float32))
    with pytest.raises(
        Exception, match="Number of keys given as INPUTS here does not match model definition"
    ):
        conn.execute_command("AI.MODELEXECUTE", "m", "INPUTS", 2, "x", "x", "OUTPUTS", 1, "y")


def test_unsupported_output_dtype_is_a_run_error(ai_server: Any, cpu_worker: Supervisor) -> None:
    conn = ai_server.client()
    conn.execute_command("AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", torch_bytes(Half()))
    put(conn, "x", np.ones((2,), dtype=np.float32))
    with pytest.raises(Exception, match="unsupported output tensor type float16"):
        conn.execute_command("AI.MODELEXECUTE", "m", "INPUTS", 1, "x", "OUTPUTS", 1, "y")
    conn.execute_command("AI.MODELSTORE", "d", "TORCH", "CPU", "BLOB", torch_bytes(Double()))
    conn.execute_command("AI.MODELEXECUTE", "d", "INPUTS", 1, "x", "OUTPUTS", 1, "y")
    np.testing.assert_array_equal(get(conn, "y"), 2 * np.ones(2, dtype=np.float32))


def test_bad_blob_is_a_run_error(ai_server: Any, cpu_worker: Supervisor) -> None:
    conn = ai_server.client()
    conn.execute_command("AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", b"not a torchscript archive")
    put(conn, "x", np.ones((2,), dtype=np.float32))
    with pytest.raises(Exception) as raised:
        conn.execute_command("AI.MODELEXECUTE", "m", "INPUTS", 1, "x", "OUTPUTS", 1, "y")
    assert "\n" not in str(raised.value)


def test_new_version_is_reloaded(ai_server: Any, cpu_worker: Supervisor) -> None:
    conn = ai_server.client()
    x = np.ones((3, 1), dtype=np.float32)
    put(conn, "x", x)
    conn.execute_command("AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", torch_bytes(Double()))
    conn.execute_command("AI.MODELEXECUTE", "m", "INPUTS", 1, "x", "OUTPUTS", 1, "y")
    np.testing.assert_array_equal(get(conn, "y"), x * 2)
    conn.execute_command("AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", torch_bytes(RowSum()))
    conn.execute_command("AI.MODELEXECUTE", "m", "INPUTS", 1, "x", "OUTPUTS", 1, "y")
    np.testing.assert_array_equal(get(conn, "y"), x * 3)


def test_batched_equals_unbatched(ai_server: Any, cpu_worker: Supervisor) -> None:
    conn = ai_server.client()
    blob = torch_bytes(RowSum())
    conn.execute_command(
        "AI.MODELSTORE", "mb", "TORCH", "CPU", "BATCHSIZE", 16, "MINBATCHSIZE", 6, "MINBATCHTIMEOUT", 2000,
        "BLOB", blob,
    )  # fmt: skip
    rng = np.random.default_rng(1)
    sizes = [1, 2, 3]
    arrays = [rng.standard_normal((n, 4)).astype(np.float32) for n in sizes]
    for i, array in enumerate(arrays):
        put(conn, f"in{i}", array)
    execute_concurrently(
        ai_server,
        [
            ("AI.MODELEXECUTE", "mb", "INPUTS", 1, f"in{i}", "OUTPUTS", 1, f"out{i}")
            for i in range(len(sizes))
        ],
    )
    for i, array in enumerate(arrays):
        expected = RowSum()(torch.from_numpy(array)).numpy()
        np.testing.assert_allclose(get(conn, f"out{i}"), expected, rtol=1e-6)


def test_script_legacy_and_entry_points_raw(ai_server: Any, cpu_worker: Supervisor) -> None:
    conn = ai_server.client()
    a = np.arange(4, dtype=np.float32)
    b = np.ones(4, dtype=np.float32)
    put(conn, "a", a)
    put(conn, "b", b)
    conn.execute_command("AI.SCRIPTSET", "s", "CPU", "SOURCE", SCRIPT)
    conn.execute_command("AI.SCRIPTRUN", "s", "double", "INPUTS", "a", "OUTPUTS", "y")
    np.testing.assert_array_equal(get(conn, "y"), a * 2)
    conn.execute_command("AI.SCRIPTRUN", "s", "add_all", "INPUTS", "a", "b", "b", "OUTPUTS", "y")
    np.testing.assert_array_equal(get(conn, "y"), a + 2 * b)
    conn.execute_command("AI.SCRIPTRUN", "s", "first_and_rest", "INPUTS", "a", "b", "b", "OUTPUTS", "p", "q")
    np.testing.assert_array_equal(get(conn, "p"), a)
    np.testing.assert_array_equal(get(conn, "q"), 2 * b)
    with pytest.raises(Exception, match="Function does not exist: nope"):
        conn.execute_command("AI.SCRIPTRUN", "s", "nope", "INPUTS", "a", "OUTPUTS", "y")
    with pytest.raises(Exception, match="Wrong number of inputs provided to function: first_and_rest"):
        conn.execute_command("AI.SCRIPTRUN", "s", "first_and_rest", "INPUTS", "a", "OUTPUTS", "y", "z")
    with pytest.raises(Exception, match="Unsupported input type in function definition: bad"):
        conn.execute_command("AI.SCRIPTRUN", "s", "bad", "INPUTS", "a", "OUTPUTS", "y")
    with pytest.raises(Exception, match="Function returned unexpected number of outputs - double"):
        conn.execute_command("AI.SCRIPTRUN", "s", "double", "INPUTS", "a", "OUTPUTS", "y", "z")
    with pytest.raises(Exception, match="Function returned non-tensor valuesnone_tensor"):
        conn.execute_command("AI.SCRIPTRUN", "s", "none_tensor", "INPUTS", "a", "OUTPUTS", "y")

    conn.execute_command("AI.SCRIPTSTORE", "se", "CPU", "ENTRY_POINTS", 1, "entry", "SOURCE", SCRIPT)
    conn.execute_command(
        "AI.SCRIPTEXECUTE", "se", "entry", "KEYS", 1, "a", "INPUTS", 2, "a", "b", "ARGS", 1, "3", "OUTPUTS",
        2, "p", "q",
    )  # fmt: skip
    np.testing.assert_array_equal(get(conn, "p"), a * 3)
    np.testing.assert_array_equal(get(conn, "q"), b + 3)


def test_our_client_models_scripts_functions(ai_server: Any, cpu_worker: Supervisor) -> None:
    from smartredis import Client

    client = Client(cluster=False, address=f"{ai_server.host}:{ai_server.port}")
    x = np.arange(6, dtype=np.float32).reshape(3, 2)
    client.put_tensor("x", x)
    client.set_model("m", torch_bytes(Double()), "TORCH", "CPU")
    client.run_model("m", inputs=["x"], outputs=["y"])
    np.testing.assert_array_equal(client.get_tensor("y"), x * 2)

    client.set_script("s", SCRIPT, "CPU")
    client.run_script("s", "add_all", ["x", "x", "x"], ["z"])
    np.testing.assert_array_equal(client.get_tensor("z"), x * 3)

    client.set_function("f", triple)
    client.run_script("f", "triple", ["x"], ["t"])
    np.testing.assert_array_equal(client.get_tensor("t"), x * 3)
    assert "def triple" in inspect.getsource(triple)


def triple(x):
    return x * 3


def test_missing_backend_fails_at_once(ai_server: Any, supervisor: Supervisor) -> None:
    supervisor.start(backends=["TORCH"])
    conn = ai_server.client()
    conn.execute_command("AI.MODELSTORE", "o", "ONNX", "CPU", "BLOB", b"whatever")
    put(conn, "x", np.ones((2,), dtype=np.float32))
    with pytest.raises(Exception, match="no worker serves backend ONNX on device CPU"):
        conn.execute_command("AI.MODELEXECUTE", "o", "INPUTS", 1, "x", "OUTPUTS", 1, "y")


def test_worker_killed_mid_job_is_restarted(ai_server: Any, supervisor: Supervisor) -> None:
    supervisor.start()
    conn = ai_server.client()
    conn.execute_command("AI.MODELSTORE", "slow", "TORCH", "CPU", "BLOB", torch_bytes(Slow()))
    conn.execute_command("AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", torch_bytes(Double()))
    put(conn, "x", np.ones((64, 512), dtype=np.float32))
    wait_for(supervisor.worker_pids, what="the worker's log")
    pid_before = supervisor.worker_pids()[-1]
    outcome: list[Any] = []

    def call() -> None:
        try:
            outcome.append(
                ai_server.client().execute_command(
                    "AI.MODELEXECUTE", "slow", "INPUTS", 1, "x", "OUTPUTS", 1, "y"
                )
            )
        except Exception as error:
            outcome.append(error)

    thread = threading.Thread(target=call)
    thread.start()
    wait_for(lambda: any(int(w[3]) > 0 for w in supervisor.workers()), what="the job to reach the worker")
    os.kill(pid_before, signal.SIGKILL)
    # The job goes back to the queue once; the restarted worker runs it (or the caller gets an error).
    thread.join(120)
    assert not thread.is_alive()
    assert outcome
    wait_for(lambda: len(supervisor.workers()) >= 1, what="the worker to come back")
    wait_for(lambda: supervisor.worker_pids()[-1] != pid_before, what="the restarted worker's log")
    put(conn, "x2", np.ones((2,), dtype=np.float32))
    conn.execute_command("AI.MODELEXECUTE", "m", "INPUTS", 1, "x2", "OUTPUTS", 1, "y2")
    np.testing.assert_array_equal(get(conn, "y2"), 2 * np.ones(2, dtype=np.float32))
    assert supervisor.stop() == 0
    assert "died (signal 9)" in supervisor.supervisor_log.read_text()
