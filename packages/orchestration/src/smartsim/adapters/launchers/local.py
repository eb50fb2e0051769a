"""Local launcher: each job is a child process of the driver, in its own process group.

Completion is learned from the processes themselves (``wait``), never from a fixed-interval poll.
"""

from __future__ import annotations

import ctypes
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ...domain.errors import LauncherError
from ...domain.status import SmartSimStatus, status_from_returncode
from ...ports.launcher import JobInfo, Launcher, LaunchRequest
from .. import process_registry

_PR_SET_PDEATHSIG = 1
# Each job leads its own process group, so stop() reaches the processes it spawned too. A new
# group (Python >= 3.11) keeps the fast vfork path; a new session forces a full fork, which
# costs about 1.5 ms more per launch.
_OWN_PROCESS_GROUP: dict[str, Any] = (
    {"process_group": 0} if sys.version_info >= (3, 11) else {"start_new_session": True}
)
_STOP_GRACE_S = 5.0


# Only Linux can tie a child's life to its parent's; elsewhere the process registry and
# `smartsim-cli teardown` are the only safety net.
_CAN_BIND_TO_DRIVER = sys.platform.startswith("linux")


def _die_with_parent(parent_pid: int) -> Callable[[], None] | None:
    """A pre-exec hook asking the kernel to SIGTERM the child when its parent goes away."""
    if not _CAN_BIND_TO_DRIVER:
        return None

    def hook() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent_pid:  # the parent died before the request took effect
            os._exit(1)

    return hook


class _Spawner:
    """Starts driver-bound processes from one thread that lives as long as the driver.

    The kernel's parent-death signal fires when the *thread* that forked the child exits, so
    bound children must not be forked from a short-lived caller thread.
    """

    def __init__(self) -> None:
        self._requests: queue.Queue[tuple[Callable[[], subprocess.Popen[bytes]], queue.Queue[object]]] = (
            queue.Queue()
        )
        self._thread = threading.Thread(target=self._serve, name="smartsim-spawner", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            start, answer = self._requests.get()
            try:
                answer.put(start())
            except BaseException as err:  # handed back to the caller, which re-raises it
                answer.put(err)

    def spawn(self, start: Callable[[], subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
        answer: queue.Queue[object] = queue.Queue(maxsize=1)
        self._requests.put((start, answer))
        result = answer.get()
        if isinstance(result, BaseException):
            raise result
        assert isinstance(result, subprocess.Popen)
        return result


_spawner: _Spawner | None = None
_spawner_lock = threading.Lock()


def _get_spawner() -> _Spawner:
    global _spawner
    with _spawner_lock:
        if _spawner is None:
            _spawner = _Spawner()
        return _spawner


@dataclass
class _Job:
    process: subprocess.Popen[bytes]
    record: process_registry.ProcessRecord
    cancelled: bool = False


class LocalLauncher(Launcher):
    """Runs jobs as local processes; ``stop`` sends SIGTERM, then SIGKILL after a grace period."""

    name = "local"

    def __init__(self) -> None:
        self._jobs: dict[str, _Job] = {}
        self._lock = threading.Lock()

    def launch(self, request: LaunchRequest) -> str:
        # Plain open(): the files are handed to the child and closed here once it has them.
        try:
            stdout = open(request.out_path, "wb")  # noqa: SIM115
            stderr = open(request.err_path, "wb")  # noqa: SIM115
        except OSError as err:
            raise LauncherError(f"Cannot open output files for {request.name}: {err}") from err

        def start() -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                request.argv,
                cwd=request.cwd,
                env=dict(request.env),
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                preexec_fn=_die_with_parent(os.getpid()) if request.bound_to_driver else None,
                **_OWN_PROCESS_GROUP,
            )

        try:
            process = _get_spawner().spawn(start) if request.bound_to_driver else start()
        except OSError as err:
            raise LauncherError(f"Failed to launch {request.name} ({request.argv[0]}): {err}") from err
        finally:
            stdout.close()
            stderr.close()
        entry = process_registry.record(
            process.pid, request.name, request.kind, request.experiment_path, request.argv
        )
        job_id = str(process.pid)
        with self._lock:
            self._jobs[job_id] = _Job(process, entry)
        return job_id

    def _info(self, job: _Job) -> JobInfo:
        returncode = job.process.poll()
        if returncode is None:
            return JobInfo(SmartSimStatus.STATUS_RUNNING)
        process_registry.forget(job.record)
        if job.cancelled:
            return JobInfo(SmartSimStatus.STATUS_CANCELLED, returncode)
        return JobInfo(status_from_returncode(returncode), returncode)

    def _job(self, job_id: str) -> _Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def statuses(self, job_ids: Iterable[str]) -> dict[str, JobInfo]:
        result: dict[str, JobInfo] = {}
        for job_id in job_ids:
            job = self._job(job_id)
            result[job_id] = JobInfo(SmartSimStatus.STATUS_NEVER_STARTED) if job is None else self._info(job)
        return result

    def wait(self, job_ids: Iterable[str], timeout: float | None = None) -> dict[str, JobInfo]:
        ids = list(job_ids)
        deadline = None if timeout is None else time.monotonic() + timeout
        for job_id in ids:
            job = self._job(job_id)
            if job is None:
                continue
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                job.process.wait(remaining)
            except subprocess.TimeoutExpired:
                break
        return self.statuses(ids)

    def stop(self, job_id: str) -> JobInfo:
        job = self._job(job_id)
        if job is None:
            raise LauncherError(f"Job {job_id} was not launched by this launcher")
        if job.process.poll() is None:
            job.cancelled = True
            process_registry.terminate_group(
                job.process.pid, lambda: job.process.poll() is None, _STOP_GRACE_S
            )
            job.process.wait()
        return self._info(job)
