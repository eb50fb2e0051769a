"""A Redis Cluster of real shards with the AI module loaded, for integration and compat tests.

Each shard is started from smartsim's own shard command line (``shard_argv`` with a cluster
config file); the slots are assigned by the ``valkey-cli``/``redis-cli`` beside the server with
``--cluster create``. Readiness is polled (PING, then ``cluster_state:ok`` and a full slot map
on every shard) with a short backoff; nothing sleeps a fixed time.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.cluster import ClusterNode, RedisCluster
from redis.retry import Retry

from smartsim.adapters.database.ai_module import resolve_ai_module
from smartsim.adapters.database.free_port import free_tcp_port
from smartsim.adapters.database.server_binary import resolve_server_binary
from smartsim.adapters.database.server_command import ShardOptions, shard_argv

HOST = "127.0.0.1"
SLOT_COUNT = 16384
READY_TIMEOUT_S = 30.0
# The cluster bus listens on port + 10000 (Redis < 7 cannot move it), so both must be free.
_CLUSTER_BUS_OFFSET = 10000
_MAX_PORT = 65535 - _CLUSTER_BUS_OFFSET


class ClusterStartError(RuntimeError):
    """A shard exited, or the cluster never became ready; the message carries the logs."""


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def free_cluster_port() -> int:
    """A free port whose cluster-bus port (port + 10000) is free too."""
    for _ in range(200):
        port = free_tcp_port(HOST)
        if port <= _MAX_PORT and _port_is_free(port + _CLUSTER_BUS_OFFSET):
            return port
    raise ClusterStartError("no free port pair (port, port + 10000) found")


def poll_until(
    condition: Callable[[], bool], timeout_s: float, what: str, on_timeout: Callable[[], str]
) -> None:
    """Call ``condition`` with a doubling pause (1 ms to 50 ms) until it is true."""
    deadline = time.monotonic() + timeout_s
    delay = 0.001
    while not condition():
        if time.monotonic() > deadline:
            raise ClusterStartError(f"{what} within {timeout_s} s:\n{on_timeout()}")
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


def _no_retry_client(port: int) -> redis.Redis:
    # No retries: a refused connection must come back at once, not after redis-py's backoff.
    return redis.Redis(
        host=HOST, port=port, protocol=2, socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0)
    )


class ClusterShard:
    """One shard process started with ``--cluster-enabled yes``."""

    def __init__(self, workdir: Path, port: int, module_args: Sequence[str]) -> None:
        self.workdir = workdir
        self.port = port
        self.argv = shard_argv(
            resolve_server_binary().path,
            resolve_ai_module(),
            list(module_args),
            ShardOptions(port=port, data_dir=str(workdir), cluster_config_file="nodes.conf"),
        )
        self.log_path = workdir / "server.log"
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(self.argv, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)

    @property
    def address(self) -> str:
        return f"{HOST}:{self.port}"

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def answers_ping(self) -> bool:
        if self.process.poll() is not None:
            raise ClusterStartError(
                f"shard {self.address} exited with {self.process.returncode}:\n{self.log_text()}"
            )
        probe = _no_retry_client(self.port)
        try:
            return bool(probe.ping())
        except redis.exceptions.ConnectionError:
            return False
        finally:
            probe.close()

    def cluster_info(self) -> dict[str, str]:
        probe = _no_retry_client(self.port)
        try:
            text = probe.execute_command("CLUSTER INFO")
        finally:
            probe.close()
        if isinstance(text, bytes):
            text = text.decode()
        if isinstance(text, dict):  # redis-py may parse it already
            return {str(k): str(v) for k, v in text.items()}
        return dict(line.split(":", 1) for line in str(text).splitlines() if ":" in line)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class RunningCluster:
    """N shards (default 3, no replicas) forming one cluster over all 16384 slots."""

    host = HOST

    def __init__(self, workdir: Path, shards: int = 3, module_args: Sequence[str] = ()) -> None:
        self.workdir = workdir
        self.shards: list[ClusterShard] = []
        self._clients: list[redis.Redis | RedisCluster] = []
        try:
            for index in range(shards):
                shard_dir = workdir / f"shard{index}"
                shard_dir.mkdir(parents=True)
                self.shards.append(ClusterShard(shard_dir, free_cluster_port(), module_args))
            for shard in self.shards:
                poll_until(
                    shard.answers_ping,
                    READY_TIMEOUT_S,
                    f"shard {shard.address} did not answer",
                    shard.log_text,
                )
            self._create()
            poll_until(self.is_ready, READY_TIMEOUT_S, "the cluster did not become ready", self.logs)
        except BaseException:
            self.stop()
            raise

    # ------------------------------------------------------------ start-up

    def _create(self) -> None:
        cli = resolve_server_binary().cli_path
        if cli is None:
            raise ClusterStartError("no valkey-cli/redis-cli beside the server binary")
        argv = [cli, "--cluster", "create", *self.addresses, "--cluster-replicas", "0", "--cluster-yes"]
        completed = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
        if completed.returncode != 0:
            raise ClusterStartError(
                f"{' '.join(argv)} failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}\n"
                f"{self.logs()}"
            )

    def is_ready(self) -> bool:
        """Every shard says cluster_state:ok and knows all shards and all slots."""
        for shard in self.shards:
            info = shard.cluster_info()
            if (
                info.get("cluster_state") != "ok"
                or info.get("cluster_slots_assigned") != str(SLOT_COUNT)
                or info.get("cluster_known_nodes") != str(len(self.shards))
            ):
                return False
        return True

    def logs(self) -> str:
        return "\n".join(f"--- {shard.address}\n{shard.log_text()}" for shard in self.shards)

    # ------------------------------------------------------------ access

    @property
    def addresses(self) -> list[str]:
        return [shard.address for shard in self.shards]

    @property
    def startup_nodes(self) -> list[ClusterNode]:
        return [ClusterNode(HOST, shard.port) for shard in self.shards]

    def client(self, **kwargs: object) -> RedisCluster:
        """A redis-py cluster client speaking RESP2, as SmartRedis does."""
        kwargs.setdefault("protocol", 2)
        connection = RedisCluster(startup_nodes=self.startup_nodes, **kwargs)  # type: ignore[arg-type]
        self._clients.append(connection)
        return connection

    def shard_clients(self, **kwargs: object) -> list[redis.Redis]:
        """One direct (non-cluster) connection per shard, in shard order."""
        kwargs.setdefault("protocol", 2)
        connections = [redis.Redis(host=HOST, port=shard.port, **kwargs) for shard in self.shards]  # type: ignore[arg-type]
        self._clients.extend(connections)
        return connections

    def flush(self) -> None:
        """Empty every shard (the slot assignment stays)."""
        for shard in self.shards:
            connection = _no_retry_client(shard.port)
            try:
                connection.flushall()
            finally:
                connection.close()

    def stop(self) -> None:
        for connection in self._clients:
            connection.close()
        self._clients.clear()
        for shard in self.shards:
            shard.stop()
