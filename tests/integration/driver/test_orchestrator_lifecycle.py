"""Starting and stopping real database servers through the driver."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import redis

from smartsim import Experiment
from smartsim.adapters import process_registry
from smartsim.adapters.process_registry import process_start_time
from smartsim.domain.errors import SmartSimError, SSDBIDConflictError
from smartsim.status import SmartSimStatus


def _has_exited(pid: int) -> bool:
    """Gone, or a zombie: it has exited and only its (new) parent's wait() is missing."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state == "Z"


def _wait_gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    delay = 0.005
    while time.monotonic() < deadline:
        if _has_exited(pid):
            return True
        time.sleep(delay)
        delay = min(delay * 2, 0.1)
    return False


def test_server_runs_with_the_module_and_without_persistence(tmp_path: Path) -> None:
    exp = Experiment("life", exp_path=str(tmp_path))
    db = exp.create_database(port=0)
    exp.start(db)
    try:
        host, port = db.get_address()[0].split(":")
        assert host == "127.0.0.1"
        client = redis.Redis(host=host, port=int(port), protocol=2)
        modules = {m[b"name"] if isinstance(m, dict) else m for m in client.module_list()}
        assert b"ai" in modules
        assert client.config_get("save") == {"save": ""}
        assert client.config_get("appendonly") == {"appendonly": "no"}
        assert client.config_get("bind")["bind"] == "127.0.0.1"
        assert client.execute_command("AI.CONFIG", "GET", "MODEL_CHUNK_SIZE") == 535822336
        client.close()
        assert (tmp_path / "orchestrator" / "orchestrator_0.out").exists()
        assert any(entry.kind == "database" for entry in process_registry.load_all())
    finally:
        exp.stop(db)
    assert not any(entry.experiment_path == exp.exp_path for entry in process_registry.load_all())


def test_a_port_in_use_gives_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        exp = Experiment("busy", exp_path=str(tmp_path))
        db = exp.create_database(port=port)
        started = time.monotonic()
        with pytest.raises(SmartSimError, match="failed during startup") as error:
            exp.start(db)
        assert time.monotonic() - started < 10
        assert "Address already in use" in str(error.value) or "in use" in str(error.value)


def test_module_load_failure_is_reported_with_the_server_log(tmp_path: Path) -> None:
    exp = Experiment("badmod", exp_path=str(tmp_path))
    db = exp.create_database(port=0, threads_per_queue=2)
    db.threads_per_queue = 0  # bypass the constructor's check: the module itself must refuse it
    with pytest.raises(SmartSimError, match="failed during startup") as error:
        exp.start(db)
    assert "THREADS_PER_QUEUE" in str(error.value)


def test_two_databases_with_one_identifier_conflict(tmp_path: Path) -> None:
    exp = Experiment("ids", exp_path=str(tmp_path))
    first = exp.create_database(port=0, db_identifier="same")
    second = exp.create_database(port=0, db_identifier="same")
    exp.start(first)
    try:
        with pytest.raises(SSDBIDConflictError):
            exp.start(second)
    finally:
        exp.stop(first)


DRIVER = textwrap.dedent(
    """
    import sys
    from smartsim import Experiment

    exp = Experiment("orphans", exp_path=sys.argv[1])
    db = exp.create_database(port=0)
    exp.start(db)
    model = exp.create_model("sleeper", exp.create_run_settings("sleep", "300"))
    exp.start(model, block=False)
    print(exp._jobs.jobs_of(db.name)[0].job_id, exp._jobs.jobs_of("sleeper")[0].job_id, flush=True)
    sys.stdin.read()  # wait to be killed
    """
)


def test_no_orphans_after_the_driver_is_killed(tmp_path: Path) -> None:
    """SIGKILL the driver: its database dies with it; teardown removes what is left (the model)."""
    driver = subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    assert driver.stdout is not None
    db_pid, model_pid = (int(pid) for pid in driver.stdout.readline().split())
    assert process_start_time(db_pid) is not None and process_start_time(model_pid) is not None
    driver.send_signal(signal.SIGKILL)
    driver.wait()
    assert _wait_gone(db_pid), "the database outlived its driver"
    assert process_start_time(model_pid) is not None  # a model is left for teardown to find

    cli = subprocess.run(
        [sys.executable, "-m", "smartsim_cli.main", "teardown", "--exp-path", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "sleeper" in cli.stdout
    assert _wait_gone(model_pid), "teardown did not end the model"
    assert not [e for e in process_registry.load_all() if e.experiment_path == str(tmp_path)]


def test_teardown_leaves_processes_of_a_live_driver_alone(tmp_path: Path) -> None:
    exp = Experiment("alive", exp_path=str(tmp_path))
    model = exp.create_model("sleeper", exp.create_run_settings("sleep", "300"))
    exp.start(model, block=False)
    try:
        assert process_registry.teardown(exp.exp_path) == []
        assert not exp.finished(model)
    finally:
        exp.stop(model)


def test_a_database_that_crashes_is_reported_failed_and_stop_still_works(tmp_path: Path) -> None:
    exp = Experiment("crash", exp_path=str(tmp_path))
    db = exp.create_database(port=0)
    exp.start(db)
    pid = int(exp._jobs.jobs_of(db.name)[0].job_id)
    os.kill(pid, signal.SIGKILL)
    # The kernel reports the death a moment before waitpid() can collect it: poll, bounded.
    deadline = time.monotonic() + 10
    delay = 0.001
    while exp.get_status(db) != [SmartSimStatus.STATUS_FAILED] and time.monotonic() < deadline:
        time.sleep(delay)
        delay = min(delay * 2, 0.05)
    assert exp.get_status(db) == [SmartSimStatus.STATUS_FAILED]
    assert not db.is_active()
    exp.stop(db)  # nothing left to stop: must not raise
    assert exp.get_status(db) == [SmartSimStatus.STATUS_FAILED]
