"""A 3-shard Orchestrator (Redis Cluster) started by the driver, used by a model, and stopped."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import redis

from smartredis import Client
from smartsim import Experiment
from smartsim.adapters.process_registry import process_start_time
from smartsim.status import SmartSimStatus

APP = textwrap.dedent(
    """
    import os
    import numpy as np
    from smartredis import Client

    client = Client()  # SR_DB_TYPE=Clustered from the driver
    for i in range(30):
        client.put_tensor(f"t{i}", np.full(3, i, dtype=np.int64))
    assert all(int(client.get_tensor(f"t{i}")[0]) == i for i in range(30))
    print("cluster ok", os.environ["SR_DB_TYPE"], len(os.environ["SSDB"].split(",")))
    """
)


@pytest.mark.slow
def test_three_shard_orchestrator(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    exp = Experiment("sharded", exp_path=str(tmp_path))
    db = exp.create_database(port=0, db_nodes=3)
    exp.start(db)
    try:
        addresses = db.get_address()
        assert len(addresses) == 3 and len(set(addresses)) == 3
        assert exp.get_status(db) == [SmartSimStatus.STATUS_RUNNING] * 3
        model = exp.create_model("app", exp.create_run_settings(sys.executable, str(tmp_path / "app.py")))
        exp.start(model, block=True)
        assert exp.get_status(model) == [SmartSimStatus.STATUS_COMPLETED], (
            tmp_path / "app" / "app.err"
        ).read_text()
        assert "cluster ok Clustered 3" in (tmp_path / "app" / "app.out").read_text()
        # The keys are spread over every shard.
        counts = []
        for address in addresses:
            host, port = address.split(":")
            shard = redis.Redis(host=host, port=int(port), protocol=2)
            counts.append(shard.dbsize())
            assert shard.execute_command("MODULE", "LIST")
            shard.close()
        assert sum(counts) == 30 and all(count > 0 for count in counts)
        reader = Client(cluster=True, address=addresses[1])
        assert np.array_equal(reader.get_tensor("t7"), np.full(3, 7, dtype=np.int64))
        pids = [int(job.job_id) for job in exp._jobs.jobs_of(db.name)]
    finally:
        exp.stop(db)
    assert exp.get_status(db) == [SmartSimStatus.STATUS_CANCELLED] * 3
    assert all(process_start_time(pid) is None for pid in pids)
