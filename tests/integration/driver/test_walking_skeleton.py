"""The whole path: driver starts the Orchestrator, an application puts and gets a tensor through
it with the client, the driver sees it complete and stops the database with nothing left behind."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from smartredis import Client
from smartsim import Experiment
from smartsim.adapters.process_registry import process_start_time
from smartsim.status import SmartSimStatus

APP = textwrap.dedent(
    """
    import os
    import numpy as np
    from smartredis import Client

    client = Client()
    sent = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    client.put_tensor("field", sent)
    back = client.get_tensor("field")
    assert np.array_equal(back, sent) and back.dtype == sent.dtype
    print("SSDB", os.environ["SSDB"], os.environ["SR_DB_TYPE"])
    print("round trip ok")
    """
)


def _shard_pids(exp: Experiment, db: object) -> list[int]:
    return [int(job.job_id) for job in exp._jobs.jobs_of(db.name)]  # type: ignore[attr-defined]


def test_model_round_trips_a_tensor_through_the_orchestrator(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    exp = Experiment("demo", exp_path=str(tmp_path), launcher="local")
    db = exp.create_database(port=0, interface="lo")
    exp.start(db)
    address = db.get_address()[0]
    assert db.is_active()
    settings = exp.create_run_settings(exe=sys.executable, exe_args=str(tmp_path / "app.py"))
    model = exp.create_model("sim", settings)
    try:
        exp.start(model, block=True)
        assert exp.get_status(model) == [SmartSimStatus.STATUS_COMPLETED]
        assert exp.finished(model)
        out = (tmp_path / "sim" / "sim.out").read_text()
        err = (tmp_path / "sim" / "sim.err").read_text()
        assert "round trip ok" in out, err
        assert f"SSDB {address} Standalone" in out
        # The tensor the application stored is in the database, readable by the driver too.
        reader = Client(cluster=False, address=address)
        assert np.array_equal(reader.get_tensor("field"), np.arange(24, dtype=np.float64).reshape(2, 3, 4))
        pids = _shard_pids(exp, db)
    finally:
        exp.stop(db)
    assert exp.get_status(db) == [SmartSimStatus.STATUS_CANCELLED]
    assert not db.is_active()
    assert all(process_start_time(pid) is None for pid in pids), "a database process outlived stop()"
    assert "orchestrator_0" in exp.summary() and "sim" in exp.summary()


def test_failing_model_is_reported_failed_with_its_exit_code(tmp_path: Path) -> None:
    exp = Experiment("fail", exp_path=str(tmp_path))
    settings = exp.create_run_settings(exe=sys.executable, exe_args=["-c", "import sys; sys.exit(3)"])
    model = exp.create_model("crash", settings)
    exp.start(model, block=True)
    assert exp.get_status(model) == [SmartSimStatus.STATUS_FAILED]
    assert exp._jobs.jobs_of("crash")[0].returncode == 3


def test_non_blocking_start_then_stop_cancels(tmp_path: Path) -> None:
    exp = Experiment("cancel", exp_path=str(tmp_path))
    model = exp.create_model("sleeper", exp.create_run_settings("sleep", "60"))
    exp.start(model, block=False)
    assert exp.get_status(model) == [SmartSimStatus.STATUS_RUNNING]
    assert not exp.finished(model)
    exp.stop(model)
    assert exp.get_status(model) == [SmartSimStatus.STATUS_CANCELLED]
    assert exp.finished(model)


def test_bad_input_is_rejected_before_anything_launches(tmp_path: Path) -> None:
    exp = Experiment("bad", exp_path=str(tmp_path))
    with pytest.raises(FileNotFoundError, match="no-such-executable"):
        exp.create_run_settings("no-such-executable")
    with pytest.raises(ValueError, match="not allowed"):
        exp.create_model("../escape", exp.create_run_settings("true"))
    model = exp.create_model("twin", exp.create_run_settings("true"))
    with pytest.raises(Exception, match="same name"):
        exp.start(model, model)
    with pytest.raises(NotADirectoryError):
        Experiment("x", exp_path=str(tmp_path / "missing"))
    with pytest.raises(Exception, match="Launcher type not supported"):
        Experiment("x", launcher="nonsense")
