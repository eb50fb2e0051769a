"""Tensor copy/rename/unpack and the per-node admin methods against a real server."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from smartredis import Client, RedisRuntimeError


@pytest.fixture
def client(ai_server: Any, monkeypatch: pytest.MonkeyPatch) -> Client:
    monkeypatch.setenv("SSDB", f"{ai_server.host}:{ai_server.port}")
    monkeypatch.setenv("SR_DB_TYPE", "Standalone")
    return Client()


def test_copy_rename_unpack(client: Client, ai_server: Any) -> None:
    data = np.arange(12, dtype=np.int16).reshape(3, 4)
    client.put_tensor("a", data)
    client.copy_tensor("a", "b")
    assert np.array_equal(client.get_tensor("b"), data)
    client.rename_tensor("b", "c")
    assert not client.tensor_exists("b") and np.array_equal(client.get_tensor("c"), data)
    result = np.empty((3, 4), dtype=np.int16)
    client.unpack_tensor("c", result)
    assert np.array_equal(result, data)
    with pytest.raises(RedisRuntimeError, match="does not fit"):
        client.unpack_tensor("c", np.empty(5, dtype=np.int16))
    with pytest.raises(RedisRuntimeError, match="ERR no such key"):
        client.rename_tensor("missing", "x")


def test_admin_methods(client: Client, ai_server: Any) -> None:
    address = f"{ai_server.host}:{ai_server.port}"
    info = client.get_db_node_info([address])[0]
    assert info["Server"]["tcp_port"] == str(ai_server.port)
    assert "rdb_last_save_time" in info["Persistence"]
    client.config_set("lua-time-limit", "6000", address)
    assert client.config_get("lua-time-limit", address) == {"lua-time-limit": "6000"}
    client.put_tensor("x", np.ones(2))
    client.save([address])
    assert (ai_server.workdir / "dump.rdb").exists()
    client.flush_db([address])
    assert not client.tensor_exists("x")
    with pytest.raises(RedisRuntimeError, match="Cannot run on non-cluster environment"):
        client.get_db_cluster_info([address])
    with pytest.raises(RedisRuntimeError, match="does not match the address"):
        client.get_db_node_info([f"localhost:{ai_server.port}"])
    with pytest.raises(RedisRuntimeError, match=r"Invalid|ERR|Unknown"):
        client.config_set("no-such-option", "1", address)
