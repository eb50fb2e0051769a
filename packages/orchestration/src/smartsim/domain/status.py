"""Job statuses, with the names and values SmartSim users compare against."""

from __future__ import annotations

from enum import Enum


class SmartSimStatus(Enum):
    STATUS_RUNNING = "Running"
    STATUS_COMPLETED = "Completed"
    STATUS_CANCELLED = "Cancelled"
    STATUS_FAILED = "Failed"
    STATUS_NEW = "New"
    STATUS_PAUSED = "Paused"
    STATUS_NEVER_STARTED = "NeverStarted"
    STATUS_QUEUED = "Queued"


TERMINAL_STATUSES = frozenset(
    {SmartSimStatus.STATUS_CANCELLED, SmartSimStatus.STATUS_COMPLETED, SmartSimStatus.STATUS_FAILED}
)


def status_from_returncode(returncode: int) -> SmartSimStatus:
    """A finished process is Completed when it exited 0 and Failed otherwise."""
    return SmartSimStatus.STATUS_COMPLETED if returncode == 0 else SmartSimStatus.STATUS_FAILED
