"""Fixtures: the worker supervisor CLI started as a subprocess against a test server."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from polling import wait_for


class Supervisor:
    """A running ``python -m smartsim.server.worker`` for one server."""

    def __init__(self, server: Any, log_dir: Path) -> None:
        self.server = server
        self.log_dir = log_dir
        self.process: subprocess.Popen[bytes] | None = None

    def argv(self, device: str, backends: Sequence[str] | None, workers: int) -> list[str]:
        argv = [sys.executable, "-m", "smartsim.server.worker"]
        argv += ["--address", f"{self.server.host}:{self.server.port}", "--device", device]
        argv += ["--workers", str(workers), "--log-dir", str(self.log_dir), "--intra-op-threads", "1"]
        if backends is not None:
            argv += ["--backends", ",".join(backends)]
        return argv

    def start(self, device: str = "CPU", backends: Sequence[str] | None = None, workers: int = 1) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with open(self.supervisor_log, "ab") as out:
            self.process = subprocess.Popen(
                self.argv(device, backends, workers), stdout=out, stderr=subprocess.STDOUT
            )
        self.wait_registered(workers)

    @property
    def supervisor_log(self) -> Path:
        return self.log_dir / "supervisor.out"

    def worker_pids(self) -> list[int]:
        """Pids of the workers that registered, in order, from their log files."""
        pids = []
        for path in sorted(self.log_dir.glob("worker-*.log")):
            for line in path.read_text(errors="replace").splitlines():
                if " registered on " in line:
                    pids.append(int(line.split()[2]))
        return pids

    def workers(self) -> list[Any]:
        return list(self.server.client().execute_command("AI._WORKER.LIST"))

    def wait_registered(self, count: int) -> None:
        def ready() -> bool:
            if self.process is not None and self.process.poll() is not None:
                out = self.supervisor_log.read_text(errors="replace")
                raise AssertionError(f"supervisor exited {self.process.returncode}:\n{out}\n{self.logs()}")
            return len(self.workers()) >= count

        wait_for(ready, what=f"{count} worker(s) to register")

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.log_dir.glob("*.log")))

    def stop(self) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


@pytest.fixture
def supervisor(ai_server: Any, tmp_path: Path) -> Iterator[Supervisor]:
    """A not yet started supervisor for ``ai_server``; call ``.start()``."""
    sup = Supervisor(ai_server, tmp_path / "worker-logs")
    yield sup
    sup.stop()


@pytest.fixture
def cpu_worker(supervisor: Supervisor) -> Supervisor:
    """One CPU worker serving every installed backend, registered before the test starts."""
    supervisor.start()
    return supervisor


def execute_concurrently(ai_server: Any, commands: Sequence[Sequence[Any]], timeout_s: float = 60) -> None:
    """Send each command from its own thread and connection at the same time (so that the module
    can batch them), wait for all, and fail with the first error any of them got."""
    import threading

    errors: list[BaseException] = []

    def call(command: Sequence[Any]) -> None:
        try:
            ai_server.client().execute_command(*command)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=call, args=(command,)) for command in commands]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout_s)
    assert not errors, errors
