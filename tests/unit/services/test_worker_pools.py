"""Worker supervisors per shard and device, over fakes of the ports."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from smartsim.domain.errors import SmartSimError
from smartsim.domain.orchestrator import Orchestrator
from smartsim.domain.status import SmartSimStatus
from smartsim.ports.database import DatabaseConnector
from smartsim.ports.launcher import JobInfo, Launcher, LaunchRequest
from smartsim.services.worker_pools import NO_BACKEND_EXIT_CODE, WorkerPools


class Launches(Launcher):
    name = "fake"

    def __init__(self, exit_code: int | None = None) -> None:
        self.requests: list[LaunchRequest] = []
        self.stopped: list[str] = []
        self.exit_code = exit_code

    def launch(self, request: LaunchRequest) -> str:
        self.requests.append(request)
        return str(len(self.requests))

    def statuses(self, job_ids: Iterable[str]) -> dict[str, JobInfo]:
        if self.exit_code is None:
            return {job_id: JobInfo(SmartSimStatus.STATUS_RUNNING) for job_id in job_ids}
        return {job_id: JobInfo(SmartSimStatus.STATUS_FAILED, self.exit_code) for job_id in job_ids}

    def stop(self, job_id: str) -> JobInfo:
        self.stopped.append(job_id)
        return JobInfo(SmartSimStatus.STATUS_CANCELLED, -15)


class Registry(DatabaseConnector):
    def __init__(self, after_polls: int) -> None:
        self.polls = 0
        self.after_polls = after_polls

    def ping(self, address: str, timeout: float = 1.0) -> bool:
        return True

    def config_set(self, address: str, key: str, value: str) -> None:
        pass

    def create_cluster(self, addresses: list[str]) -> None:
        pass

    def cluster_is_ready(self, address: str, shard_count: int) -> bool:
        return True

    def registered_workers(self, address: str) -> int:
        self.polls += 1
        return 2 if self.polls > self.after_polls else 0

    def shutdown(self, address: str) -> bool:
        return True


def plan(db: Orchestrator, experiment_path: str, index: int, address: str, device: str) -> LaunchRequest:
    return LaunchRequest(
        f"w{index}{device}", ["supervisor", address, device], "/x", {}, "/x/o", "/x/e", kind="worker"
    )


def running_db(devices: list[str], threads: int | None = None) -> Orchestrator:
    db = Orchestrator(path="/x", worker_devices=devices, threads_per_queue=threads)
    db.mark_running(["127.0.0.1:1"], lambda: True)
    return db


def test_one_supervisor_per_shard_and_device_and_wait_for_registration() -> None:
    launcher = Launches()
    registry = Registry(after_polls=3)
    pools = WorkerPools(launcher, registry, plan)
    db = running_db(["CPU", "GPU:0"], threads=1)
    pools.start(db, "/exp")
    assert [r.argv for r in launcher.requests] == [
        ["supervisor", "127.0.0.1:1", "CPU"],
        ["supervisor", "127.0.0.1:1", "GPU:0"],
    ]
    assert registry.polls > 3  # waited until both workers (1 per device) registered
    pools.stop(db)
    assert launcher.stopped == ["1", "2"]


def test_no_backend_installed_is_a_warning_not_an_error(caplog: pytest.LogCaptureFixture) -> None:
    pools = WorkerPools(Launches(exit_code=NO_BACKEND_EXIT_CODE), Registry(after_polls=10**9), plan)
    pools.start(running_db(["CPU"]), "/exp")
    assert "no ML backend is installed" in caplog.text


def test_a_failing_supervisor_is_an_error() -> None:
    pools = WorkerPools(Launches(exit_code=1), Registry(after_polls=10**9), plan)
    with pytest.raises(SmartSimError, match=r"inference workers of 127\.0\.0\.1:1 exited with code 1"):
        pools.start(running_db(["CPU"]), "/exp")


def test_worker_devices_are_checked() -> None:
    with pytest.raises(ValueError, match="worker_devices"):
        Orchestrator(worker_devices=["TPU"])
    assert Orchestrator(worker_devices="gpu:1").worker_devices == ["GPU:1"]
    assert Orchestrator(threads_per_queue=3).workers_per_device == 3
