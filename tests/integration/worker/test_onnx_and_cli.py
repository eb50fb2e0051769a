"""ONNX models through the worker, and the supervisor command line."""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from .conftest import Supervisor, execute_concurrently, wait_for
from .models import Double, onnx_add_mul, onnx_string_identity, torch_bytes
from .test_torch import get, put

CLI = [sys.executable, "-m", "smartsim.server.worker"]


def test_onnx_model(ai_server: Any, cpu_worker: Supervisor) -> None:
    conn = ai_server.client()
    conn.execute_command("AI.MODELSTORE", "o", "ONNX", "CPU", "BLOB", onnx_add_mul())
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    y = np.full((2, 3), 2, dtype=np.float32)
    put(conn, "x", x)
    put(conn, "y", y)
    conn.execute_command("AI.MODELEXECUTE", "o", "INPUTS", 2, "x", "y", "OUTPUTS", 2, "s", "p")
    np.testing.assert_array_equal(get(conn, "s"), x + y)
    np.testing.assert_array_equal(get(conn, "p"), x * y)
    with pytest.raises(Exception, match="Expected 2 inputs but got 1"):
        conn.execute_command("AI.MODELEXECUTE", "o", "INPUTS", 1, "x", "OUTPUTS", 2, "s", "p")
    put(conn, "bad", np.ones((2, 4), dtype=np.float32))
    with pytest.raises(Exception, match="dimensions"):
        conn.execute_command("AI.MODELEXECUTE", "o", "INPUTS", 2, "x", "bad", "OUTPUTS", 2, "s", "p")


def test_onnx_string_tensors_come_back_byte_for_byte(ai_server: Any, cpu_worker: Supervisor) -> None:
    conn = ai_server.client()
    conn.execute_command("AI.MODELSTORE", "echo", "ONNX", "CPU", "BLOB", onnx_string_identity())
    elements = [b"ab", b"", b"caf\xc3\xa9"]
    conn.execute_command("AI.TENSORSET", "t", "STRING", 3, "BLOB", b"".join(e + b"\0" for e in elements))
    conn.execute_command("AI.MODELEXECUTE", "echo", "INPUTS", 1, "t", "OUTPUTS", 1, "u")
    assert conn.execute_command("AI.TENSORGET", "u", "VALUES") == elements
    # onnxruntime holds strings as UTF-8: other bytes are refused, not mangled.
    conn.execute_command("AI.TENSORSET", "bad", "STRING", 2, "BLOB", b"ok\0\xff\xfe\0")
    with pytest.raises(Exception, match="element 1 of an input is not UTF-8"):
        conn.execute_command("AI.MODELEXECUTE", "echo", "INPUTS", 1, "bad", "OUTPUTS", 1, "u")


def test_onnx_batched(ai_server: Any, cpu_worker: Supervisor) -> None:
    conn = ai_server.client()
    conn.execute_command(
        "AI.MODELSTORE", "ob", "ONNX", "CPU", "BATCHSIZE", 8, "MINBATCHSIZE", 5, "MINBATCHTIMEOUT", 2000,
        "BLOB", onnx_add_mul(),
    )  # fmt: skip
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal((n, 3)).astype(np.float32) for n in (2, 3)]
    for i, array in enumerate(arrays):
        put(conn, f"x{i}", array)
    execute_concurrently(
        ai_server,
        [
            ("AI.MODELEXECUTE", "ob", "INPUTS", 2, f"x{i}", f"x{i}", "OUTPUTS", 2, f"s{i}", f"p{i}")
            for i in range(len(arrays))
        ],
    )
    for i, array in enumerate(arrays):
        np.testing.assert_allclose(get(conn, f"s{i}"), array + array)
        np.testing.assert_allclose(get(conn, f"p{i}"), array * array)


def test_several_workers_and_clean_stop(ai_server: Any, supervisor: Supervisor) -> None:
    supervisor.start(workers=2, backends=["TORCH"])
    assert len(supervisor.workers()) == 2
    assert all(w[1] == b"CPU" and w[2] == [b"TORCH"] for w in supervisor.workers())
    assert supervisor.process is not None
    supervisor.process.send_signal(signal.SIGINT)
    assert supervisor.process.wait(30) == 0
    assert supervisor.workers() == []
    assert {p.name for p in supervisor.log_dir.glob("worker-*.log")} == {
        "worker-CPU-0.log",
        "worker-CPU-1.log",
    }


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60, check=False)


def test_cli_unknown_backend_and_device() -> None:
    result = run_cli("--address", "127.0.0.1:1", "--device", "CPU", "--backends", "JAX")
    assert result.returncode == 2 and "unknown backend 'JAX'" in result.stderr
    result = run_cli("--address", "127.0.0.1:1", "--device", "TPU")
    assert result.returncode == 2 and "invalid device" in result.stderr


@pytest.mark.parametrize("backends", ["TORCH", "ONNX", "TF", "TORCH,ONNX,TF"])
def test_cli_gpu_without_gpu(backends: str) -> None:
    from smartsim.server.worker.supervisor import visible_gpus

    if any(visible_gpus(b) for b in backends.split(",")):
        pytest.skip("a GPU is visible")
    result = run_cli("--address", "127.0.0.1:1", "--device", "GPU", "--backends", backends)
    assert result.returncode == 2
    assert f"no GPU is visible to {backends.replace(',', ', ')}" in result.stderr


def test_cli_gpu_for_a_cpu_only_backend() -> None:
    result = run_cli("--address", "127.0.0.1:1", "--device", "GPU:0", "--backends", "TFLITE")
    assert result.returncode == 2
    assert "TFLITE run on CPU only" in result.stderr


def test_unix_socket_address(ai_server_factory: Any, tmp_path: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="sw-") as short:
        socket_path = f"{short}/s.sock"
        server = ai_server_factory(extra_args=["--unixsocket", socket_path, "--unixsocketperm", "700"])
        log_dir = tmp_path / "logs"
        log_dir.mkdir()
        argv = [*CLI, "--address", f"unix://{socket_path}", "--device", "cpu", "--backends", "TORCH"]
        with open(log_dir / "supervisor.out", "ab") as out:
            process = subprocess.Popen(
                [*argv, "--log-dir", str(log_dir)], stdout=out, stderr=subprocess.STDOUT
            )
        try:
            conn = server.client()
            wait_for(lambda: conn.execute_command("AI._WORKER.LIST"), what="the worker to register")
            conn.execute_command("AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", torch_bytes(Double()))
            put(conn, "x", np.ones((2, 2), dtype=np.float32))
            conn.execute_command("AI.MODELEXECUTE", "m", "INPUTS", 1, "x", "OUTPUTS", 1, "y")
            np.testing.assert_array_equal(get(conn, "y"), np.full((2, 2), 2, dtype=np.float32))
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(30) == 0
