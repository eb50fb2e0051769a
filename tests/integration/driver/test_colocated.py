"""A database colocated with a model, over loopback TCP and over a Unix socket."""

from __future__ import annotations

import socket
import sys
import textwrap
from pathlib import Path

import pytest

from smartsim import Experiment
from smartsim.adapters.database.free_port import free_tcp_port
from smartsim.domain.errors import SSDBIDConflictError
from smartsim.status import SmartSimStatus

APP = textwrap.dedent(
    """
    import os, stat
    import numpy as np
    from smartredis import Client

    address = os.environ["SSDB"]
    print("SSDB", address, os.environ["SR_DB_TYPE"])
    if address.startswith("unix://"):
        print("mode", oct(stat.S_IMODE(os.stat(address[len("unix://"):]).st_mode)))
    client = Client()
    client.put_tensor("x", np.arange(5, dtype=np.float32))
    assert np.array_equal(client.get_tensor("x"), np.arange(5, dtype=np.float32))
    print("colocated round trip ok")
    """
)


def _run(tmp_path: Path, configure: object) -> tuple[str, str]:
    (tmp_path / "app.py").write_text(APP)
    exp = Experiment("colo", exp_path=str(tmp_path))
    model = exp.create_model("app", exp.create_run_settings(sys.executable, str(tmp_path / "app.py")))
    configure(model)  # type: ignore[operator]
    exp.start(model, block=True)
    out = (tmp_path / "app" / "app.out").read_text()
    err = (tmp_path / "app" / "app.err").read_text()
    assert exp.get_status(model) == [SmartSimStatus.STATUS_COMPLETED], out + err
    return out, err


def test_colocated_tcp(tmp_path: Path) -> None:
    port = free_tcp_port()
    out, _ = _run(tmp_path, lambda model: model.colocate_db_tcp(port=port, db_cpus=1, threads_per_queue=2))
    assert f"SSDB 127.0.0.1:{port} Standalone" in out
    assert "colocated round trip ok" in out
    # The database went away with the application.
    with socket.socket() as probe, pytest.raises(OSError):
        probe.connect(("127.0.0.1", port))


def test_colocated_uds_with_permissions(tmp_path: Path) -> None:
    socket_path = tmp_path / "db.sock"
    out, _ = _run(
        tmp_path, lambda model: model.colocate_db_uds(unix_socket=str(socket_path), socket_permissions=700)
    )
    assert f"SSDB unix://{socket_path} Standalone" in out
    assert "mode 0o700" in out
    assert "colocated round trip ok" in out
    assert not socket_path.exists(), "the socket outlived the application"


def test_colocated_settings_and_bad_input(tmp_path: Path) -> None:
    exp = Experiment("colo-bad", exp_path=str(tmp_path))
    model = exp.create_model("m", exp.create_run_settings("true"))
    model.colocate_db_tcp(port=6780, db_cpus=2, maxclients=100, inter_op_threads=1)
    settings = model.run_settings.colocated_db_settings
    assert settings is not None
    assert settings["custom_pinning"] == "0,1"
    assert settings["extra_db_args"] == {"maxclients": "100"}
    assert settings["rai_args"] == {"INTER_OP_PARALLELISM": "1"}
    with pytest.raises(ValueError, match="Invalid unix_socket"):
        model.colocate_db_uds(unix_socket="/tmp/bad socket")
    with pytest.raises(ValueError, match="negative"):
        model.colocate_db_tcp(custom_pinning=[-1])
    with pytest.warns(FutureWarning):
        model.colocate_db(port=6780)


def test_colocated_identifier_conflict(tmp_path: Path) -> None:
    exp = Experiment("colo-conflict", exp_path=str(tmp_path))
    db = exp.create_database(port=0)
    exp.start(db)
    try:
        model = exp.create_model("m", exp.create_run_settings("true"))
        model.colocate_db_tcp(port=free_tcp_port())
        with pytest.raises(SSDBIDConflictError, match="same SSDB"):
            exp.start(model)
    finally:
        exp.stop(db)
