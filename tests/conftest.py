"""Shared fixtures: real servers with the AI module loaded, on free ports, torn down after use."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
import redis
from hypothesis import HealthCheck, settings
from redis.backoff import NoBackoff
from redis.retry import Retry

from smartsim.adapters.database.ai_module import resolve_ai_module
from smartsim.adapters.database.free_port import free_tcp_port
from smartsim.adapters.database.server_binary import resolve_server_binary
from smartsim.adapters.database.server_command import ShardOptions, shard_argv

settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

# Records of launched processes go to a private directory, so tests never see (or tear down)
# anything of a real user's experiments.
os.environ["SMARTSIM_STATE_DIR"] = tempfile.mkdtemp(prefix="smartsim-test-state-")

READY_TIMEOUT_S = 20.0


class ServerStartError(RuntimeError):
    """The test server exited or never answered; the message carries its log."""


class RunningServer:
    """A valkey/redis server with the AI module, started directly from the shard command line."""

    host = "127.0.0.1"

    def __init__(self, workdir: Path, extra_args: Sequence[str], module_args: Sequence[str]) -> None:
        self.workdir = workdir
        self.port = free_tcp_port()
        self.argv = shard_argv(
            resolve_server_binary().path,
            resolve_ai_module(),
            list(module_args),
            ShardOptions(port=self.port, data_dir=str(workdir)),
        ) + list(extra_args)
        self.log_path = workdir / "server.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._clients: list[redis.Redis] = []
        self.start()

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                self.argv, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + READY_TIMEOUT_S
        delay = 0.001
        while True:
            if self._process.poll() is not None:
                raise ServerStartError(f"server exited with {self._process.returncode}:\n{self.log_text()}")
            # No retries: a refused connection must come back at once, not after redis-py's backoff.
            probe = redis.Redis(
                host=self.host, port=self.port, socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0)
            )
            try:
                if probe.ping():
                    return
            except redis.exceptions.ConnectionError:
                pass
            finally:
                probe.close()
            if time.monotonic() > deadline:
                self.stop()
                raise ServerStartError(
                    f"server did not answer within {READY_TIMEOUT_S} s:\n{self.log_text()}"
                )
            time.sleep(delay)
            delay = min(delay * 2, 0.05)

    def client(self, **kwargs: object) -> redis.Redis:
        """A redis-py client speaking RESP2, the protocol SmartRedis uses (redis-py 8 defaults to 3)."""
        kwargs.setdefault("protocol", 2)
        connection = redis.Redis(host=self.host, port=self.port, **kwargs)  # type: ignore[arg-type]
        self._clients.append(connection)
        return connection

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        for connection in self._clients:
            connection.close()
        self._clients.clear()
        if self._process is None or self._process.poll() is not None:
            return
        self._process.terminate()
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def restart(self) -> None:
        """Stop (SIGTERM: no save, since the shard runs with `save ""`) and start again."""
        self.stop()
        self.start()


ServerFactory = Callable[..., RunningServer]


@pytest.fixture
def ai_server_factory(tmp_path: Path) -> Iterator[ServerFactory]:
    servers: list[RunningServer] = []

    def make(extra_args: Sequence[str] = (), module_args: Sequence[str] = ()) -> RunningServer:
        workdir = tmp_path / f"server{len(servers)}"
        workdir.mkdir()
        server = RunningServer(workdir, extra_args, module_args)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def ai_server(ai_server_factory: ServerFactory) -> RunningServer:
    return ai_server_factory()
