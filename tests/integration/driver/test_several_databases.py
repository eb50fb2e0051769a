"""Several databases in one experiment, and server configuration of a running database."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
import redis

from smartsim import Experiment
from smartsim.domain.errors import SmartSimError
from smartsim.status import SmartSimStatus

APP = textwrap.dedent(
    """
    import os
    import numpy as np
    from smartredis import Client, ConfigOptions

    default = Client()
    second = Client(ConfigOptions.create_from_environment("second"))
    default.put_tensor("where", np.array([1], dtype=np.int8))
    second.put_tensor("where", np.array([2], dtype=np.int8))
    print(os.environ["SSDB"], os.environ["SSDB_second"], os.environ["SR_DB_TYPE_second"])
    """
)


def test_model_reaches_two_databases_by_identifier(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    exp = Experiment("two-dbs", exp_path=str(tmp_path))
    first = exp.create_database(port=0)
    second = exp.create_database(port=0, db_identifier="second")
    exp.start(first, second)
    try:
        model = exp.create_model("app", exp.create_run_settings(sys.executable, str(tmp_path / "app.py")))
        exp.start(model, block=True)
        assert exp.get_status(model) == [SmartSimStatus.STATUS_COMPLETED], (
            tmp_path / "app" / "app.err"
        ).read_text()
        out = (tmp_path / "app" / "app.out").read_text().split()
        assert out == [first.get_address()[0], second.get_address()[0], "Standalone"]
        for db, expected in ((first, b"\x01"), (second, b"\x02")):
            host, port = db.get_address()[0].split(":")
            client = redis.Redis(host=host, port=int(port), protocol=2)
            assert client.execute_command("AI.TENSORGET", "where", "BLOB") == expected
            client.close()
        assert (tmp_path / "second" / "second_0.out").exists()
    finally:
        exp.stop(first, second)


def test_server_configuration_of_a_running_database(tmp_path: Path) -> None:
    exp = Experiment("conf", exp_path=str(tmp_path))
    db = exp.create_database(port=0)
    with pytest.raises(SmartSimError, match="must be active"):
        db.set_max_memory("100mb")
    exp.start(db)
    try:
        db.set_max_memory("100mb")
        db.set_eviction_strategy("allkeys-lru")
        db.set_max_clients(1000)
        db.enable_checkpoints(900)
        host, port = db.get_address()[0].split(":")
        client = redis.Redis(host=host, port=int(port), protocol=2, decode_responses=True)
        assert client.config_get("maxmemory") == {"maxmemory": str(100 * 1024 * 1024)}
        assert client.config_get("maxmemory-policy") == {"maxmemory-policy": "allkeys-lru"}
        assert client.config_get("maxclients") == {"maxclients": "1000"}
        assert client.config_get("save") == {"save": "900 1"}
        client.close()
        with pytest.raises(SmartSimError, match="Invalid CONFIG key-value pair"):
            db.set_db_conf("maxmemory-policy", "sometimes")
        with pytest.raises(TypeError):
            db.set_db_conf("maxclients", 5)  # type: ignore[arg-type]
    finally:
        exp.stop(db)
