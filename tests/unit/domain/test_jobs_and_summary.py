from smartsim.domain.jobs import Job, JobTable
from smartsim.domain.status import SmartSimStatus
from smartsim.summary_table import render_summary


def test_terminal_status_is_never_overwritten() -> None:
    job = Job("m", "Model", "1", "local", 1, SmartSimStatus.STATUS_RUNNING)
    job.record(SmartSimStatus.STATUS_CANCELLED, -15)
    job.record(SmartSimStatus.STATUS_FAILED, 1)
    assert job.status is SmartSimStatus.STATUS_CANCELLED
    assert job.returncode == -15


def test_table_tracks_running_entities() -> None:
    table = JobTable()
    job = Job("m", "Model", "1", "local", table.new_run_id(), SmartSimStatus.STATUS_RUNNING)
    table.add("m", [job])
    assert table.is_running("m")
    job.record(SmartSimStatus.STATUS_COMPLETED, 0)
    assert not table.is_running("m")
    assert table.knows("m") and not table.knows("other")


def test_summary_lists_each_job_once() -> None:
    jobs = [Job("sim", "Model", "42", "local", 1, SmartSimStatus.STATUS_COMPLETED, 0)]
    table = render_summary(jobs)
    lines = table.splitlines()
    assert lines[0].split("|")[2].strip() == "Name"
    assert "sim" in lines[2] and "SmartSimStatus.STATUS_COMPLETED" in lines[2] and "42" in lines[2]
    assert len(lines) == 3
