"""Tensors through our client against the real server with the module."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from smartredis import Client, RedisConnectionError, RedisRuntimeError

DTYPES = ["float64", "float32", "int8", "int16", "int32", "int64", "uint8", "uint16"]


@pytest.fixture
def client(ai_server: Any, monkeypatch: pytest.MonkeyPatch) -> Client:
    monkeypatch.setenv("SSDB", f"{ai_server.host}:{ai_server.port}")
    monkeypatch.setenv("SR_DB_TYPE", "Standalone")
    return Client()


@pytest.mark.parametrize("dtype", DTYPES)
def test_round_trip_every_dtype(client: Client, dtype: str) -> None:
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else np.finfo(dtype)
    data = np.array([[info.min, 0, 1], [2, 3, info.max]], dtype=dtype)
    client.put_tensor(f"t_{dtype}", data)
    back = client.get_tensor(f"t_{dtype}")
    assert back.dtype == data.dtype and back.shape == data.shape
    assert back.tobytes() == data.tobytes()
    back[0, 0] = 0  # the returned array is the caller's to modify


def test_fortran_order_and_strided_views_round_trip(client: Client) -> None:
    base = np.arange(60, dtype=np.float32).reshape(3, 4, 5)
    fortran = np.asfortranarray(base)
    client.put_tensor("f", fortran)
    assert np.array_equal(client.get_tensor("f"), base)
    strided = base[:, ::2, 1:]
    client.put_tensor("s", strided)
    assert np.array_equal(client.get_tensor("s"), strided)
    transposed = base.T
    client.put_tensor("tr", transposed)
    assert np.array_equal(client.get_tensor("tr"), transposed)


def test_wire_format_is_row_major_blob(client: Client, ai_server: Any) -> None:
    data = np.asfortranarray(np.arange(6, dtype=np.int32).reshape(2, 3))
    client.put_tensor("w", data)
    raw = ai_server.client().execute_command("AI.TENSORGET", "w", "META", "BLOB")
    assert raw == [b"dtype", b"INT32", b"shape", [2, 3], b"blob", np.ascontiguousarray(data).tobytes()]


def test_large_tensor(client: Client) -> None:
    data = np.random.default_rng(1).random((1024, 1024, 4))  # 32 MiB
    client.put_tensor("big", data)
    assert np.array_equal(client.get_tensor("big"), data)


def test_exists_delete_poll(client: Client) -> None:
    assert not client.tensor_exists("x")
    assert not client.poll_tensor("x", 1, 3)
    client.put_tensor("x", np.ones(3))
    assert client.tensor_exists("x") and client.key_exists("x") and client.poll_key("x", 1, 1)
    client.delete_tensor("x")
    assert not client.tensor_exists("x")


def test_bad_input(client: Client) -> None:
    with pytest.raises(TypeError, match="Incompatible tensor type provided bool"):
        client.put_tensor("b", np.array([True]))
    with pytest.raises(TypeError, match="Incompatible tensor type provided object"):
        client.put_tensor("o", np.array([object()]))
    with pytest.raises(TypeError):
        client.put_tensor("l", [1, 2, 3])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        client.put_tensor(3, np.ones(2))  # type: ignore[arg-type]
    with pytest.raises(RedisRuntimeError, match="at least one dimension"):
        client.put_tensor("z", np.array(1.0))
    with pytest.raises(RedisRuntimeError, match="must be positive"):
        client.put_tensor("e", np.ones((0, 3)))
    with pytest.raises(RedisRuntimeError, match="internally reserved name"):  # SmartRedis' class
        client.put_tensor(".meta", np.ones(2))
    with pytest.raises(RedisRuntimeError, match="tensor key is empty"):
        client.get_tensor("missing")
    assert not client.key_exists("b") and not client.key_exists("z")


def test_key_prefixing_from_the_environment(ai_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSDB", f"{ai_server.host}:{ai_server.port}")
    monkeypatch.setenv("SR_DB_TYPE", "Standalone")
    monkeypatch.setenv("SSKEYOUT", "producer")
    producer = Client()
    producer.put_tensor("t", np.ones(2))
    assert producer.key_exists("producer.t")
    monkeypatch.delenv("SSKEYOUT")
    monkeypatch.setenv("SSKEYIN", "producer")
    consumer = Client()
    assert np.array_equal(consumer.get_tensor("t"), np.ones(2))


def test_a_wrong_address_fails_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound but not listening: connections are refused
        monkeypatch.setenv("SR_CONN_TIMEOUT", "1")
        started = time.monotonic()
        with pytest.raises(
            RedisConnectionError, match=f"Could not connect to Orchestrator at 127.0.0.1:{port}"
        ):
            Client(cluster=False, address=f"127.0.0.1:{port}")
        assert time.monotonic() - started < 5
    with pytest.raises(RedisConnectionError, match="because of character"):
        Client(cluster=False, address="127.0.0.1:1;rm")


def test_direct_reader_edge_cases(client: Client, ai_server: Any) -> None:
    from smartredis import RedisInternalError

    raw = ai_server.client()
    raw.execute_command("AI.TENSORSET", "flag", "BOOL", 2, "VALUES", 1, 0)
    with pytest.raises(RedisInternalError, match="BOOL"):
        client.get_tensor("flag")
    raw.execute_command("AI.TENSORSET", "scalar", "DOUBLE", "VALUES", 2.5)
    assert client.get_tensor("scalar").shape == ()
    assert float(client.get_tensor("scalar")) == 2.5
    with pytest.raises(RedisRuntimeError, match="WRONGTYPE"):
        raw.set("plain", "x")
        client.get_tensor("plain")
    # After each failure the client still works.
    client.put_tensor("ok", np.arange(3, dtype=np.uint8))
    assert client.get_tensor("ok").tolist() == [0, 1, 2]


@pytest.mark.parametrize("nbytes", [8, 65536 - 64, 65536, 262144 - 72, 262144, 262144 + 4096, 1 << 20])
def test_payloads_around_the_first_read_sizes(client: Client, nbytes: int) -> None:
    """A reply that fits the first read, one that just does not, and one far larger: each is read
    whole and correct, and the next command still finds a clean connection."""
    data = np.random.default_rng(nbytes).integers(0, 255, nbytes, dtype=np.uint8)
    client.put_tensor("edge", data)
    assert np.array_equal(client.get_tensor("edge"), data)
    assert client.tensor_exists("edge")


def test_readers_in_several_threads(ai_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each thread's client reads into its own buffers: concurrent reads never mix payloads."""
    import threading

    monkeypatch.setenv("SSDB", f"{ai_server.host}:{ai_server.port}")
    monkeypatch.setenv("SR_DB_TYPE", "Standalone")
    failures: list[str] = []

    def read_own(index: int) -> None:
        own = Client()
        data = np.full(20_000 + index * 1000, index, dtype=np.int64)
        own.put_tensor(f"t{index}", data)
        for _ in range(50):
            if not np.array_equal(own.get_tensor(f"t{index}"), data):
                failures.append(f"thread {index} read another payload")
                return

    threads = [threading.Thread(target=read_own, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
