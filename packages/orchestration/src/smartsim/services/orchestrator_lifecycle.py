"""Start, wait for and stop the shards of an Orchestrator.

A shard is ready when it answers PING; until then the launcher is asked whether the process
is still alive, so a server that fails at start is reported at once with its own log lines.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..domain.errors import SmartSimError
from ..domain.jobs import Job
from ..domain.orchestrator import Orchestrator
from ..domain.status import SmartSimStatus
from ..ports.database import DatabaseConnector
from ..ports.launcher import Launcher, LaunchRequest

START_TIMEOUT_ENV = "SMARTSIM_DB_START_TIMEOUT"
_DEFAULT_START_TIMEOUT_S = 60.0
_STOP_TIMEOUT_S = 10.0
_LOG_TAIL_LINES = 15


@dataclass(frozen=True)
class ShardLaunch:
    """What the composition root decided for one shard: its argv and where it answers."""

    request: LaunchRequest
    address: str


ShardPlanner = Callable[[Orchestrator, str, int], ShardLaunch]


def _tail(path: str) -> str:
    try:
        lines = Path(path).read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(lines[-_LOG_TAIL_LINES:])


class OrchestratorLifecycle:
    def __init__(
        self,
        launcher: Launcher,
        connector: DatabaseConnector,
        plan_shard: ShardPlanner,
    ) -> None:
        self._launcher = launcher
        self._connector = connector
        self._plan_shard = plan_shard

    def start(self, db: Orchestrator, experiment_path: str, run_id: int) -> list[Job]:
        """Launch every shard, wait until all answer, record the addresses on ``db``."""
        os.makedirs(db.path, exist_ok=True)
        launches = [self._plan_shard(db, experiment_path, index) for index in range(db.db_nodes)]
        jobs: list[Job] = []
        try:
            for launch in launches:
                job_id = self._launcher.launch(launch.request)
                jobs.append(
                    Job(
                        launch.request.name,
                        db.type,
                        job_id,
                        self._launcher.name,
                        run_id,
                        SmartSimStatus.STATUS_RUNNING,
                    )
                )
            self._wait_ready(db, launches, jobs)
            if db.is_cluster:
                self._form_cluster(db, [launch.address for launch in launches])
        except BaseException:
            for job in jobs:
                self._launcher.stop(job.job_id)
            raise
        addresses = [launch.address for launch in launches]
        connector = self._connector

        def configure_every_shard(key: str, value: str) -> None:
            for address in addresses:
                connector.config_set(address, key, value)

        db.mark_running(
            addresses,
            health_check=lambda: all(connector.ping(address) for address in addresses),
            config_setter=configure_every_shard,
        )
        return jobs

    def _wait_ready(self, db: Orchestrator, launches: list[ShardLaunch], jobs: list[Job]) -> None:
        timeout = float(os.environ.get(START_TIMEOUT_ENV, _DEFAULT_START_TIMEOUT_S))
        deadline = time.monotonic() + timeout
        waiting = dict(zip((job.job_id for job in jobs), launches, strict=True))
        delay = 0.001
        while waiting:
            for job_id, launch in list(waiting.items()):
                if self._connector.ping(launch.address, timeout=0.5):
                    del waiting[job_id]
            if not waiting:
                return
            for job_id, info in self._launcher.statuses(waiting).items():
                if info.is_terminal:
                    launch = waiting[job_id]
                    raise SmartSimError(
                        f"Orchestrator {db.name!r} failed during startup: shard "
                        f"{launch.request.name} exited with code {info.returncode}.\n"
                        f"{_tail(launch.request.out_path)}\n{_tail(launch.request.err_path)}".rstrip()
                    )
            if time.monotonic() >= deadline:
                names = ", ".join(launch.request.name for launch in waiting.values())
                raise SmartSimError(
                    f"Orchestrator {db.name!r} did not answer within {timeout:g} s (shards: {names}); "
                    f"set {START_TIMEOUT_ENV} to wait longer"
                )
            time.sleep(delay)
            delay = min(delay * 2, 0.05)

    def _form_cluster(self, db: Orchestrator, addresses: list[str]) -> None:
        """Join the shards and wait until every one of them sees the whole, healthy cluster."""
        self._connector.create_cluster(addresses)
        timeout = float(os.environ.get(START_TIMEOUT_ENV, _DEFAULT_START_TIMEOUT_S))
        deadline = time.monotonic() + timeout
        delay = 0.001
        pending = list(addresses)
        while pending:
            pending = [a for a in pending if not self._connector.cluster_is_ready(a, len(addresses))]
            if not pending:
                return
            if time.monotonic() >= deadline:
                raise SmartSimError(
                    f"Orchestrator {db.name!r}: the cluster was not ready within {timeout:g} s "
                    f"(waiting for {', '.join(pending)}); set {START_TIMEOUT_ENV} to wait longer"
                )
            time.sleep(delay)
            delay = min(delay * 2, 0.05)

    def stop(self, db: Orchestrator, jobs: list[Job]) -> None:
        """SHUTDOWN NOSAVE each shard; a shard that does not exit in time is killed."""
        try:
            addresses = db.get_address()
        except SmartSimError:
            addresses = []
        for address in addresses:
            self._connector.shutdown(address)
        running = [job.job_id for job in jobs if not job.is_terminal]
        finals = self._launcher.wait(running, timeout=_STOP_TIMEOUT_S) if addresses else {}
        for job in jobs:
            info = finals.get(job.job_id)
            if info is None or not info.is_terminal:
                info = self._launcher.stop(job.job_id)
            job.record(SmartSimStatus.STATUS_CANCELLED, info.returncode)
        db.mark_stopped()
