"""The start/ready/stop rules of the database lifecycle, over hand-written fakes of the ports."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from smartsim.domain.errors import SmartSimError
from smartsim.domain.orchestrator import Orchestrator
from smartsim.domain.status import SmartSimStatus
from smartsim.ports.database import DatabaseConnector
from smartsim.ports.launcher import JobInfo, Launcher, LaunchRequest
from smartsim.services.orchestrator_lifecycle import OrchestratorLifecycle, ShardLaunch


class FakeLauncher(Launcher):
    name = "fake"

    def __init__(self, exit_code: int | None = None) -> None:
        self.launched: list[LaunchRequest] = []
        self.stopped: list[str] = []
        self.exit_code = exit_code
        self.finished: set[str] = set()

    def launch(self, request: LaunchRequest) -> str:
        self.launched.append(request)
        return str(len(self.launched))

    def _info(self, job_id: str) -> JobInfo:
        if job_id in self.stopped:
            return JobInfo(SmartSimStatus.STATUS_CANCELLED, -15)
        if job_id in self.finished:
            return JobInfo(SmartSimStatus.STATUS_COMPLETED, 0)
        if self.exit_code is not None:
            return JobInfo(SmartSimStatus.STATUS_FAILED, self.exit_code)
        return JobInfo(SmartSimStatus.STATUS_RUNNING)

    def statuses(self, job_ids: Iterable[str]) -> dict[str, JobInfo]:
        return {job_id: self._info(job_id) for job_id in job_ids}

    def stop(self, job_id: str) -> JobInfo:
        self.stopped.append(job_id)
        return self._info(job_id)


class FakeConnector(DatabaseConnector):
    def __init__(self, answers_after: int, launcher: FakeLauncher, exits_on_shutdown: bool = True) -> None:
        self.pings = 0
        self.answers_after = answers_after
        self.shutdowns: list[str] = []
        self.configured: list[tuple[str, str, str]] = []
        self.clusters: list[list[str]] = []
        self.cluster_checks = 0
        self.launcher = launcher
        self.exits_on_shutdown = exits_on_shutdown

    def ping(self, address: str, timeout: float = 1.0) -> bool:
        self.pings += 1
        return self.pings > self.answers_after

    def config_set(self, address: str, key: str, value: str) -> None:
        self.configured.append((address, key, value))

    def create_cluster(self, addresses: list[str]) -> None:
        self.clusters.append(list(addresses))

    def cluster_is_ready(self, address: str, shard_count: int) -> bool:
        self.cluster_checks += 1
        return self.cluster_checks > 3

    def registered_workers(self, address: str) -> int:
        return 0

    def shutdown(self, address: str) -> bool:
        self.shutdowns.append(address)
        if self.exits_on_shutdown:
            self.launcher.finished.update(str(i + 1) for i in range(len(self.launcher.launched)))
        return True


def plan(db: Orchestrator, experiment_path: str, index: int) -> ShardLaunch:
    name = db.shard_names[index]
    request = LaunchRequest(
        name,
        ["server"],
        "/nonexistent",
        {},
        f"/nonexistent/{name}.out",
        f"/nonexistent/{name}.err",
        kind="database",
    )
    return ShardLaunch(request, f"127.0.0.1:{7000 + index}")


def test_ready_after_the_shard_answers(tmp_path: object) -> None:
    launcher = FakeLauncher()
    connector = FakeConnector(answers_after=3, launcher=launcher)
    db = Orchestrator(path=str(tmp_path))
    jobs = OrchestratorLifecycle(launcher, connector, plan).start(db, "/exp", 1)
    assert [job.status for job in jobs] == [SmartSimStatus.STATUS_RUNNING]
    assert connector.pings == 4
    assert db.get_address() == ["127.0.0.1:7000"]
    db.set_max_memory("1gb")
    db.enable_checkpoints(60)
    assert connector.configured == [
        ("127.0.0.1:7000", "maxmemory", "1gb"),
        ("127.0.0.1:7000", "save", "60 1"),
    ]


def test_a_shard_that_exits_during_startup_is_reported_at_once(tmp_path: object) -> None:
    launcher = FakeLauncher(exit_code=1)
    connector = FakeConnector(answers_after=10**9, launcher=launcher)
    db = Orchestrator(path=str(tmp_path))
    with pytest.raises(SmartSimError, match=r"failed during startup.*exited with code 1"):
        OrchestratorLifecycle(launcher, connector, plan).start(db, "/exp", 1)
    assert connector.pings == 1
    assert launcher.stopped == ["1"]


def test_a_silent_shard_times_out(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARTSIM_DB_START_TIMEOUT", "0.05")
    launcher = FakeLauncher()
    connector = FakeConnector(answers_after=10**9, launcher=launcher)
    with pytest.raises(SmartSimError, match=r"did not answer within 0\.05 s"):
        OrchestratorLifecycle(launcher, connector, plan).start(Orchestrator(path=str(tmp_path)), "/exp", 1)
    assert launcher.stopped == ["1"]


def test_stop_shuts_down_gracefully_then_falls_back_to_the_launcher(tmp_path: object) -> None:
    launcher = FakeLauncher()
    connector = FakeConnector(answers_after=0, launcher=launcher)
    lifecycle = OrchestratorLifecycle(launcher, connector, plan)
    db = Orchestrator(path=str(tmp_path))
    jobs = lifecycle.start(db, "/exp", 1)
    lifecycle.stop(db, jobs)
    assert connector.shutdowns == ["127.0.0.1:7000"]
    assert launcher.stopped == []
    assert jobs[0].status is SmartSimStatus.STATUS_CANCELLED
    assert not db.is_active()

    stubborn = FakeLauncher()
    connector = FakeConnector(answers_after=0, launcher=stubborn, exits_on_shutdown=False)
    lifecycle = OrchestratorLifecycle(stubborn, connector, plan)
    db = Orchestrator(path=str(tmp_path))
    jobs = lifecycle.start(db, "/exp", 1)
    # The fake never exits after SHUTDOWN, so the launcher's stop must be used (wait is bounded).
    stubborn.wait = lambda ids, timeout=None: stubborn.statuses(ids)  # type: ignore[method-assign]
    lifecycle.stop(db, jobs)
    assert stubborn.stopped == ["1"]
    assert jobs[0].status is SmartSimStatus.STATUS_CANCELLED


def test_three_shards_form_a_cluster_before_start_returns(tmp_path: object) -> None:
    launcher = FakeLauncher()
    connector = FakeConnector(answers_after=0, launcher=launcher)
    db = Orchestrator(path=str(tmp_path), db_nodes=3)
    jobs = OrchestratorLifecycle(launcher, connector, plan).start(db, "/exp", 1)
    assert len(jobs) == 3
    assert connector.clusters == [["127.0.0.1:7000", "127.0.0.1:7001", "127.0.0.1:7002"]]
    assert connector.cluster_checks >= 4  # polled until every shard reported a healthy cluster
    assert db.client_environment()["SR_DB_TYPE"] == "Clustered"
