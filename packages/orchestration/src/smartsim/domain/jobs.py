"""What the driver knows about launched entities: one job per process, grouped by entity."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .status import TERMINAL_STATUSES, SmartSimStatus


@dataclass
class Job:
    """One launched process (a model, or one shard of a database)."""

    name: str
    entity_type: str
    job_id: str
    launcher: str
    run_id: int
    status: SmartSimStatus = SmartSimStatus.STATUS_NEW
    returncode: int | None = None
    started_at: float = field(default_factory=time.time)
    ended_at: float | None = None

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    def record(self, status: SmartSimStatus, returncode: int | None) -> None:
        if self.is_terminal:
            return  # a final status is never overwritten (e.g. Cancelled stays Cancelled)
        self.status = status
        self.returncode = returncode
        if self.is_terminal:
            self.ended_at = time.time()

    @property
    def elapsed(self) -> float:
        return (self.ended_at or time.time()) - self.started_at


class JobTable:
    """Jobs by entity name; an entity launched again gets a new run id and replaces the old."""

    def __init__(self) -> None:
        self._active: dict[str, list[Job]] = {}
        self.history: list[Job] = []
        self._next_run_id = 0

    def new_run_id(self) -> int:
        self._next_run_id += 1
        return self._next_run_id

    def add(self, entity_name: str, jobs: list[Job]) -> None:
        self._active[entity_name] = jobs
        self.history.extend(jobs)

    def alias(self, group_name: str, jobs: list[Job]) -> None:
        """Make ``group_name`` (an ensemble) refer to its members' jobs, already in the history."""
        self._active[group_name] = jobs

    def jobs_of(self, entity_name: str) -> list[Job]:
        return list(self._active.get(entity_name, []))

    def is_running(self, entity_name: str) -> bool:
        jobs = self._active.get(entity_name, [])
        return any(not job.is_terminal for job in jobs)

    def knows(self, entity_name: str) -> bool:
        return entity_name in self._active
