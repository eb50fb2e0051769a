"""Fixtures for the execution tests: fake worker processes attached to a test server."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from polling import wait_for

FAKE_WORKER = Path(__file__).with_name("fake_worker.py")


class WorkerGroup:
    """Fake worker processes of one server; they share one JSON-lines log of the runs they saw."""

    def __init__(self, server: Any, log: Path) -> None:
        self.server = server
        self.log = log
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, count: int = 1, device: str = "CPU", backends: Sequence[str] = ("TORCH",)) -> None:
        admin = self.server.client()
        before = len(admin.execute_command("AI._WORKER.LIST"))
        for _ in range(count):
            argv = [
                sys.executable,
                str(FAKE_WORKER),
                "--host",
                self.server.host,
                "--port",
                str(self.server.port),
            ]
            argv += ["--device", device, "--log", str(self.log)]
            for backend in backends:
                argv += ["--backend", backend]
            self.processes.append(subprocess.Popen(argv))
        wait_for(
            lambda: len(admin.execute_command("AI._WORKER.LIST")) >= before + count,
            what=f"{count} worker(s) to register",
        )

    def registered(self) -> int:
        return len(self.server.client().execute_command("AI._WORKER.LIST"))

    def runs(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line]

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
        for process in self.processes:
            process.wait()


@pytest.fixture
def fake_workers(ai_server: Any, tmp_path: Path) -> Iterator[WorkerGroup]:
    """A (not yet started) group of fake workers for ``ai_server``; call ``.start(n)``."""
    group = WorkerGroup(ai_server, tmp_path / "worker-runs.jsonl")
    yield group
    group.stop()


@pytest.fixture
def fake_worker(fake_workers: WorkerGroup) -> WorkerGroup:
    """One fake worker serving TORCH on CPU, registered before the test starts."""
    fake_workers.start(1)
    return fake_workers
