"""Inference workers of an Orchestrator: one supervisor per shard and device.

A supervisor (``python -m smartsim.server.worker``) keeps its workers running and restarts one
that dies. ``start`` returns once every shard has its workers registered, so a model started
right after the database never meets a shard without workers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..domain.errors import SmartSimError
from ..domain.orchestrator import Orchestrator
from ..ports.database import DatabaseConnector
from ..ports.launcher import Launcher, LaunchRequest

logger = logging.getLogger("smartsim")

# The supervisor's exit status when no ML framework is installed: the database works, without
# execution (callers get the module's "no worker serves backend ..." error at once).
NO_BACKEND_EXIT_CODE = 3
_READY_TIMEOUT_S = 120.0

WorkerPlanner = Callable[[Orchestrator, str, int, str, str], LaunchRequest]


@dataclass
class _Pool:
    job_ids: list[str] = field(default_factory=list)


class WorkerPools:
    def __init__(self, launcher: Launcher, connector: DatabaseConnector, plan: WorkerPlanner) -> None:
        self._launcher = launcher
        self._connector = connector
        self._plan = plan
        self._pools: dict[str, _Pool] = {}

    def start(self, db: Orchestrator, experiment_path: str) -> None:
        pool = _Pool()
        self._pools[db.name] = pool
        expected: dict[str, int] = {}
        supervisors: dict[str, tuple[str, LaunchRequest]] = {}
        for index, address in enumerate(db.get_address()):
            for device in db.worker_devices:
                request = self._plan(db, experiment_path, index, address, device)
                job_id = self._launcher.launch(request)
                pool.job_ids.append(job_id)
                supervisors[job_id] = (address, request)
                expected[address] = expected.get(address, 0) + db.workers_per_device
        self._wait_registered(db, expected, supervisors)

    def _wait_registered(
        self, db: Orchestrator, expected: dict[str, int], supervisors: dict[str, tuple[str, LaunchRequest]]
    ) -> None:
        deadline = time.monotonic() + _READY_TIMEOUT_S
        delay = 0.005
        waiting = dict(expected)
        while waiting:
            waiting = {a: n for a, n in waiting.items() if self._connector.registered_workers(a) < n}
            for job_id, info in self._launcher.statuses(list(supervisors)).items():
                if not info.is_terminal:
                    continue
                address, request = supervisors.pop(job_id)
                if info.returncode == NO_BACKEND_EXIT_CODE:
                    logger.warning(
                        "Orchestrator %s: no ML backend is installed, so shard %s runs no models or scripts "
                        "(install smartsim[torch], smartsim[onnx] or smartsim[tf])",
                        db.name,
                        address,
                    )
                    waiting.pop(address, None)
                    continue
                tail = _tail(request.err_path) or _tail(request.out_path)
                raise SmartSimError(
                    f"Orchestrator {db.name!r}: the inference workers of {address} exited with code "
                    f"{info.returncode}.\n{tail}".rstrip()
                )
            if not waiting:
                return
            if time.monotonic() > deadline:
                raise SmartSimError(
                    f"Orchestrator {db.name!r}: inference workers did not register within "
                    f"{_READY_TIMEOUT_S:g} s on {', '.join(waiting)}"
                )
            time.sleep(delay)
            delay = min(delay * 2, 0.05)

    def stop(self, db: Orchestrator) -> None:
        pool = self._pools.pop(db.name, None)
        if pool is None:
            return
        for job_id in pool.job_ids:
            self._launcher.stop(job_id)


def _tail(path: str, lines: int = 15) -> str:
    try:
        with open(path, errors="replace") as handle:
            return "".join(handle.readlines()[-lines:]).strip()
    except OSError:
        return ""
