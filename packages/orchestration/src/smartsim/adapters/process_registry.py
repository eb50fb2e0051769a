"""A record of every process the driver launched locally, kept on disk.

If the driver dies (even by SIGKILL) its children may outlive it; the records let
``smartsim-cli teardown`` find and end them later. A record names the process by pid *and*
start time, so a recycled pid is never mistaken for ours.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

STATE_DIR_ENV = "SMARTSIM_STATE_DIR"


def registry_dir() -> Path:
    """``$SMARTSIM_STATE_DIR/processes``, or ``~/.smartsim/processes`` by default."""
    base = os.environ.get(STATE_DIR_ENV) or os.path.join(os.path.expanduser("~"), ".smartsim")
    return Path(base) / "processes"


_HAS_PROC = Path("/proc/self/stat").exists()


def _exists_without_proc(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def process_start_time(pid: int) -> int | None:
    """The start time (clock ticks since boot) of ``pid``, or None if it does not exist.

    Without /proc (macOS) the start time is unknown: an existing process reports 0.
    """
    if not _HAS_PROC:
        return 0 if _exists_without_proc(pid) else None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may contain spaces; fields resume after ')'.
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[19])


@functools.cache
def _start_time_of_pid(pid: int) -> int | None:
    return process_start_time(pid)


def _driver_start_time() -> int | None:
    """This process's start time, read once (keyed by pid, so a forked child reads its own)."""
    return _start_time_of_pid(os.getpid())


@dataclass(frozen=True)
class ProcessRecord:
    pid: int
    start_time: int | None
    pgid: int
    name: str
    kind: str
    experiment_path: str
    driver_pid: int
    driver_start_time: int | None
    argv: list[str]

    @property
    def file_name(self) -> str:
        return f"{self.pid}-{self.start_time}.json"

    def is_alive(self) -> bool:
        current = process_start_time(self.pid)
        if current is None:
            return False
        if self.start_time is not None and current != self.start_time:
            return False
        if not _HAS_PROC:
            return True
        # A zombie has exited; only its parent's wait() is missing.
        try:
            state = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return False
        return state != "Z"

    def driver_is_alive(self) -> bool:
        current = process_start_time(self.driver_pid)
        return current is not None and current == self.driver_start_time


def record(pid: int, name: str, kind: str, experiment_path: str, argv: list[str]) -> ProcessRecord:
    """Write the record of a just-launched process (the leader of its own process group)."""
    entry = ProcessRecord(
        pid=pid,
        start_time=process_start_time(pid),
        pgid=pid,
        name=name,
        kind=kind,
        experiment_path=experiment_path,
        driver_pid=os.getpid(),
        driver_start_time=_driver_start_time(),
        argv=list(argv),
    )
    directory = registry_dir()
    directory.mkdir(parents=True, exist_ok=True)
    temporary = directory / f".{entry.file_name}.tmp"
    temporary.write_text(json.dumps(asdict(entry)))
    temporary.replace(directory / entry.file_name)  # atomic: readers never see half a record
    return entry


def forget(entry: ProcessRecord) -> None:
    try:
        (registry_dir() / entry.file_name).unlink()
    except FileNotFoundError:
        pass


def load_all() -> list[ProcessRecord]:
    directory = registry_dir()
    if not directory.is_dir():
        return []
    records = []
    for path in sorted(directory.glob("*.json")):
        try:
            records.append(ProcessRecord(**json.loads(path.read_text())))
        except (OSError, ValueError, TypeError):
            path.unlink(missing_ok=True)  # unreadable record: nothing can be done with it
    return records


def terminate_group(pgid: int, alive: Callable[[], bool], grace_s: float) -> None:
    """SIGTERM the process group, then SIGKILL it if it is still alive after ``grace_s``."""
    for sig, wait_s in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pgid, sig)
        except (ProcessLookupError, PermissionError):
            return
        deadline = time.monotonic() + wait_s
        delay = 0.001
        while time.monotonic() < deadline:
            if not alive():
                return
            time.sleep(delay)
            delay = min(delay * 2, 0.05)


def teardown(
    experiment_path: str | None = None, include_live_drivers: bool = False, grace_s: float = 5.0
) -> list[ProcessRecord]:
    """End recorded processes that are still alive and return their records.

    By default only leftovers are ended: processes whose driver is gone. ``include_live_drivers``
    also ends those of drivers still running. Stale records (process gone) are removed.
    """
    ended: list[ProcessRecord] = []
    for entry in load_all():
        if experiment_path is not None and entry.experiment_path != experiment_path:
            continue
        if entry.is_alive() and entry.driver_is_alive() and not include_live_drivers:
            continue
        if entry.is_alive():
            terminate_group(entry.pgid, entry.is_alive, grace_s)
            ended.append(entry)
        forget(entry)
    return ended
