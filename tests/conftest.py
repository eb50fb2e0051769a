"""Shared fixtures: real servers with the AI module loaded, on free ports, torn down after use."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
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

# SMARTSIM_TEST_VALGRIND=1: every test server runs under valgrind memcheck and a test fails at
# teardown when the logs show a memory error (rules and flags: tests/valgrind/memcheck.py).
# `pytest -m valgrind` selects the subset that CI runs this way.
VALGRIND = os.environ.get("SMARTSIM_TEST_VALGRIND") == "1"
# Under valgrind each test costs ~2 s more (the server's start), so of test_tensor_commands.py only
# the first case of each parametrized test runs there: the others take the same C paths with other
# dtypes, and the fuzz tests (marked themselves) cover those paths broadly. None: every case.
VALGRIND_SUBSET: dict[str, int | None] = {
    "integration/module/test_tensor_commands.py": 1,
    "integration/module/test_tensor_persistence.py": None,
    "integration/module/test_config_command.py": None,
}
_memcheck_spec = importlib.util.spec_from_file_location(
    "smartsim_tests_memcheck", Path(__file__).parent / "valgrind" / "memcheck.py"
)
assert _memcheck_spec is not None and _memcheck_spec.loader is not None
memcheck = importlib.util.module_from_spec(_memcheck_spec)
sys.modules[_memcheck_spec.name] = memcheck  # dataclasses look their module up there
_memcheck_spec.loader.exec_module(memcheck)


def pytest_configure(config: pytest.Config) -> None:
    if VALGRIND and shutil.which("valgrind") is None:
        raise pytest.UsageError("SMARTSIM_TEST_VALGRIND=1 needs valgrind (apt-get install valgrind)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    cases: Counter[tuple[str, str]] = Counter()
    for item in items:
        path = item.path.as_posix()
        for suffix, limit in VALGRIND_SUBSET.items():
            if path.endswith(suffix):
                case = (path, getattr(item, "originalname", item.name))
                cases[case] += 1
                if limit is None or cases[case] <= limit:
                    item.add_marker(pytest.mark.valgrind)


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
        if VALGRIND:
            self.argv = memcheck.command_prefix(workdir) + self.argv
        self.log_path = workdir / "server.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._clients: list[redis.Redis] = []
        self.start()

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                self.argv, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT
            )
        ready_timeout = READY_TIMEOUT_S * (3 if VALGRIND else 1)
        deadline = time.monotonic() + ready_timeout
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
                raise ServerStartError(f"server did not answer within {ready_timeout} s:\n{self.log_text()}")
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
            # Under valgrind the exit includes the leak check.
            self._process.wait(60 if VALGRIND else 10)
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
    if VALGRIND:
        found = [finding for server in servers for finding in memcheck.findings(server.workdir)]
        if found:
            pytest.fail(f"valgrind memcheck: {len(found)} finding(s)\n" + "\n\n".join(map(str, found[:5])))


@pytest.fixture
def ai_server(ai_server_factory: ServerFactory) -> RunningServer:
    return ai_server_factory()
