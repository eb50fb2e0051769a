"""A hung, killed or restarted server: SR_CMD_TIMEOUT / SR_CMD_INTERVAL / SR_SOCKET_TIMEOUT.

A server that stops answering is either the real server paused with SIGSTOP, or (to count how
often a command arrives) a tiny server in this file that answers PING and then nothing else.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import hiredis
import numpy as np
import pytest

from smartredis import Client, Dataset, RedisDatabaseError


class SilentServer:
    """Accepts connections, answers PING with PONG and never answers anything else."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.received: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._connections.append(connection)
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        reader = hiredis.Reader()
        while True:
            try:
                data = connection.recv(65536)
            except OSError:
                return
            if not data:
                return
            reader.feed(data)
            while (command := reader.gets()) is not False:
                name = command[0].decode().upper()
                with self._lock:
                    self.received[name] += 1
                if name == "PING":
                    connection.sendall(b"+PONG\r\n")

    def count(self, name: str) -> int:
        with self._lock:
            return self.received[name]

    def close(self) -> None:
        self._listener.close()
        with self._lock:
            for connection in self._connections:
                connection.close()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


@pytest.fixture
def standalone_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("SR_CMD_TIMEOUT", "SR_CMD_INTERVAL", "SR_SOCKET_TIMEOUT", "SR_CONN_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SR_DB_TYPE", "Standalone")
    return monkeypatch


def _client_of(env: pytest.MonkeyPatch, port: int, **variables: str) -> Client:
    env.setenv("SSDB", f"127.0.0.1:{port}")
    for name, value in variables.items():
        env.setenv(name, value)
    return Client()


def _timed(action: Any) -> tuple[BaseException | None, float]:
    start = time.monotonic()
    try:
        action()
    except BaseException as err:  # the caller checks which
        return err, time.monotonic() - start
    return None, time.monotonic() - start


def test_a_late_reply_fails_within_the_command_budget_and_is_not_sent_again(
    standalone_env: pytest.MonkeyPatch, silent_server: SilentServer
) -> None:
    client = _client_of(standalone_env, silent_server.port, SR_CMD_TIMEOUT="1")
    error, elapsed = _timed(lambda: client.put_tensor("t", np.zeros(4)))
    assert isinstance(error, RedisDatabaseError), error
    assert str(error).startswith("Redis IO error when executing command: ")
    assert 0.9 <= elapsed < 3.0
    # Without an explicit SR_SOCKET_TIMEOUT a command that may have run is never repeated.
    assert silent_server.count("AI.TENSORSET") == 1


def test_an_explicit_socket_timeout_resends_as_smartredis_does(
    standalone_env: pytest.MonkeyPatch, silent_server: SilentServer
) -> None:
    client = _client_of(
        standalone_env,
        silent_server.port,
        SR_CMD_TIMEOUT="1",
        SR_CMD_INTERVAL="300",
        SR_SOCKET_TIMEOUT="200",
    )
    error, elapsed = _timed(lambda: client.tensor_exists("t"))
    assert isinstance(error, RedisDatabaseError), error
    assert str(error).startswith("Redis IO error when executing command: ")
    # 1000 ms / 300 ms + 1 = 4 attempts of 200 ms each, 300 ms apart (the first re-send at once).
    assert silent_server.count("EXISTS") == 4
    assert 0.8 * (4 * 0.2 + 2 * 0.3) <= elapsed < 4.0


def test_a_pipeline_to_a_silent_server_fails_with_the_pipeline_text(
    standalone_env: pytest.MonkeyPatch, silent_server: SilentServer
) -> None:
    client = _client_of(standalone_env, silent_server.port, SR_CMD_TIMEOUT="1")
    dataset = Dataset("d")
    dataset.add_tensor("x", np.zeros(3))
    with pytest.raises(RedisDatabaseError, match=r"^Redis IO error when executing the pipeline: "):
        client.put_dataset(dataset)
    assert silent_server.count("HSET") == 2  # metadata and ack, once each


def test_a_paused_server_fails_the_command_then_serves_it_again_once_resumed(
    standalone_env: pytest.MonkeyPatch, ai_server: Any
) -> None:
    client = _client_of(standalone_env, ai_server.port, SR_CMD_TIMEOUT="1")
    client.put_tensor("t", np.arange(5.0))
    os.kill(ai_server.pid, signal.SIGSTOP)
    try:
        error, elapsed = _timed(lambda: client.get_tensor("t"))
    finally:
        os.kill(ai_server.pid, signal.SIGCONT)
    assert isinstance(error, RedisDatabaseError), error
    assert str(error).startswith("Redis IO error when executing command: ")
    assert elapsed < 3.0
    # The timed-out connection was dropped; the next command opens a fresh one.
    assert np.array_equal(client.get_tensor("t"), np.arange(5.0))


def _kill_normal_clients(server: Any) -> int:
    admin = server.client()
    killed = int(admin.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"))
    admin.close()
    return killed


def test_a_connection_killed_by_the_server_is_reopened_transparently(
    standalone_env: pytest.MonkeyPatch, ai_server: Any
) -> None:
    client = _client_of(standalone_env, ai_server.port)
    client.put_tensor("t", np.arange(3, dtype=np.int32))
    dataset = Dataset("d")
    dataset.add_tensor("x", np.ones(2))
    steps = [
        lambda: client.put_tensor("u", np.arange(3, dtype=np.int32)),  # plain command
        lambda: (
            np.array_equal(client.get_tensor("t"), np.arange(3)) or pytest.fail("wrong tensor")
        ),  # raw read
        lambda: client.put_dataset(dataset),  # pipeline
        lambda: client.tensor_exists("t") or pytest.fail("tensor lost"),
    ]
    for step in steps:
        assert _kill_normal_clients(ai_server) == 1
        error, elapsed = _timed(step)
        assert error is None, error
        # The first re-send is immediate: no SR_CMD_INTERVAL (1 s by default) is waited.
        assert elapsed < 0.5
    assert client.dataset_exists("d")


def test_a_restarted_server_is_reached_again_within_the_command_budget(
    standalone_env: pytest.MonkeyPatch, ai_server: Any
) -> None:
    client = _client_of(standalone_env, ai_server.port, SR_CMD_TIMEOUT="20", SR_CMD_INTERVAL="50")
    client.put_tensor("before", np.zeros(1))
    ai_server.stop()
    outcome: list[BaseException | None] = []
    writer = threading.Thread(
        target=lambda: outcome.append(_timed(lambda: client.put_tensor("after", np.ones(2)))[0])
    )
    writer.start()
    ai_server.start()  # the writer keeps re-sending (connection refused) until this server is up
    writer.join(30)
    assert outcome == [None]
    assert np.array_equal(client.get_tensor("after"), np.ones(2))
