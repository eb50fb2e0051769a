"""The launcher port: start processes somewhere, ask how they are doing, stop them."""

from __future__ import annotations

import abc
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..domain.status import TERMINAL_STATUSES, SmartSimStatus


@dataclass(frozen=True)
class LaunchRequest:
    """Everything a launcher needs to start one job.

    ``bound_to_driver`` asks that the job end when the driver process ends (used for database
    shards on the local launcher, so a killed driver leaves no server behind).
    """

    name: str
    argv: list[str]
    cwd: str
    env: Mapping[str, str]
    out_path: str
    err_path: str
    kind: str = "model"
    bound_to_driver: bool = False
    experiment_path: str = ""


@dataclass
class JobInfo:
    status: SmartSimStatus
    returncode: int | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES


class Launcher(abc.ABC):
    """Contract every launcher adapter keeps.

    * ``launch`` returns at once with a job id; it raises ``LauncherError`` if the job could
      not be started at all.
    * ``statuses`` answers for many ids in one call; an id it does not know is reported
      ``STATUS_NEVER_STARTED``, never silently Completed.
    * ``stop`` ends a job (gracefully first) and returns its final info (Cancelled unless it had
      already finished).
    """

    name: str = "abstract"

    @abc.abstractmethod
    def launch(self, request: LaunchRequest) -> str:
        raise NotImplementedError

    @abc.abstractmethod
    def statuses(self, job_ids: Iterable[str]) -> dict[str, JobInfo]:
        raise NotImplementedError

    @abc.abstractmethod
    def stop(self, job_id: str) -> JobInfo:
        raise NotImplementedError

    def wait(self, job_ids: Iterable[str], timeout: float | None = None) -> dict[str, JobInfo]:
        """Block until every job is terminal (or ``timeout`` seconds pass).

        This default polls with a growing interval; launchers that can be told when a job
        ends (the local one) override it.
        """
        pending = set(job_ids)
        deadline = None if timeout is None else time.monotonic() + timeout
        interval = 0.01
        final: dict[str, JobInfo] = {}
        while pending:
            for job_id, info in self.statuses(pending).items():
                if info.is_terminal:
                    final[job_id] = info
                    pending.discard(job_id)
            if not pending or (deadline is not None and time.monotonic() >= deadline):
                break
            time.sleep(interval)
            interval = min(interval * 2, 1.0)
        final.update(self.statuses(pending))
        return final
