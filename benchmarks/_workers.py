"""Real inference workers for the benchmarks, and TorchScript models to give them.

The workers are the ones the Orchestrator starts: ``python -m smartsim.server.worker`` (a
supervisor and its worker processes), connected to the benchmark server over TCP or its Unix
socket.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import redis
from _server import BenchServer

if TYPE_CHECKING:
    import torch

_REGISTER_TIMEOUT_S = 120.0


def worker_address(server: BenchServer, transport: str) -> str:
    """The address the workers dial: the transport being measured, as the Orchestrator writes it."""
    return f"unix://{server.unix_socket}" if transport == "unix" else f"{server.host}:{server.port}"


def torchscript_blob(module: torch.nn.Module) -> bytes:
    """``module`` scripted and serialized the way ``torch.jit.save`` writes a model file."""
    import torch  # here, not at the top: client processes that import this module need no torch

    buffer = io.BytesIO()
    torch.jit.save(torch.jit.script(module.eval()), buffer)
    return buffer.getvalue()


def _registered(client: redis.Redis) -> int:
    return len(client.execute_command("AI._WORKER.LIST"))  # type: ignore[no-untyped-call]


class WorkerPool:
    """The running supervisor and its log directory (the workers log their pid when registered)."""

    def __init__(self, supervisor: subprocess.Popen[bytes], log_dir: str) -> None:
        self.supervisor = supervisor
        self.log_dir = log_dir

    def worker_pids(self) -> list[int]:
        """Pids of the registered workers, from the "<time> <pid> ... registered on" log lines."""
        pids = []
        for name in sorted(os.listdir(self.log_dir)):
            if name.startswith("worker-"):
                with open(os.path.join(self.log_dir, name), errors="replace") as handle:
                    pids += [int(line.split()[2]) for line in handle if " registered on " in line]
        return pids


@contextlib.contextmanager
def running_workers(
    server: BenchServer,
    transport: str,
    workers: int = 1,
    intra_op_threads: int = 1,
    cpus: set[int] | None = None,
) -> Iterator[WorkerPool]:
    """A worker supervisor for ``server``; yields once ``workers`` workers registered."""
    with tempfile.TemporaryDirectory(prefix="smartsim-bench-workers-") as log_dir:
        argv = [sys.executable, "-m", "smartsim.server.worker"]
        argv += ["--address", worker_address(server, transport), "--device", "CPU", "--backends", "TORCH"]
        argv += ["--workers", str(workers), "--intra-op-threads", str(intra_op_threads)]
        argv += ["--log-dir", log_dir]
        out_path = os.path.join(log_dir, "supervisor.out")
        with open(out_path, "wb") as out:
            # Affinity is inherited by the worker processes the supervisor starts.
            preexec = (lambda: os.sched_setaffinity(0, cpus)) if cpus else None
            process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, preexec_fn=preexec)
        client = server.client("tcp")
        try:
            _wait_registered(client, process, workers, log_dir)
            yield WorkerPool(process, log_dir)
        finally:
            client.close()
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_registered(client: redis.Redis, process: subprocess.Popen[bytes], count: int, log_dir: str) -> None:
    deadline = time.monotonic() + _REGISTER_TIMEOUT_S
    delay = 0.005
    while _registered(client) < count:
        if process.poll() is not None or time.monotonic() > deadline:
            logs = []
            for name in sorted(os.listdir(log_dir)):
                with open(os.path.join(log_dir, name), errors="replace") as handle:
                    logs.append(handle.read())
            raise RuntimeError("inference workers did not register:\n" + "\n".join(logs)[-3000:])
        time.sleep(delay)
        delay = min(delay * 2, 0.05)
