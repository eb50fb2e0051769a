"""A throw-away server with the AI module for the benchmarks, and fast redis-py clients for it.

The server is started from the same shard command line the Orchestrator uses (``shard_argv``),
listening on a free loopback TCP port and on a Unix socket in a temporary directory.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import redis
from redis.connection import Connection, PythonRespSerializer, UnixDomainSocketConnection

from smartsim.adapters.database.ai_module import resolve_ai_module
from smartsim.adapters.database.free_port import free_tcp_port
from smartsim.adapters.database.server_binary import resolve_server_binary
from smartsim.adapters.database.server_command import ShardOptions, shard_argv

TRANSPORTS = ("tcp", "unix")
# Arguments larger than this are written to the socket as they are, not joined (as in
# smartredis/_transport.py): redis-py's default hiredis packer copies every payload byte.
_BUFFER_CUTOFF = 6000


class _PassThroughPacker:
    encoder: Any

    def _construct_command_packer(self, packer: Any) -> Any:
        return PythonRespSerializer(_BUFFER_CUTOFF, self.encoder.encode)


class FastTcpConnection(_PassThroughPacker, Connection):
    pass


class FastUnixConnection(_PassThroughPacker, UnixDomainSocketConnection):
    pass


@dataclass(frozen=True)
class BenchServer:
    host: str
    port: int
    unix_socket: str
    pid: int

    def client(self, transport: str) -> redis.Redis:
        """RESP2 client with the pass-through packer (replies parsed by hiredis when installed)."""
        if transport == "tcp":
            pool = redis.ConnectionPool(
                connection_class=FastTcpConnection, host=self.host, port=self.port, protocol=2
            )
        else:
            pool = redis.ConnectionPool(
                connection_class=FastUnixConnection, path=self.unix_socket, protocol=2
            )
        return redis.Redis(connection_pool=pool)


@contextlib.contextmanager
def running_server(
    module_args: Sequence[str] = (), server_cpus: set[int] | None = None
) -> Iterator[BenchServer]:
    with tempfile.TemporaryDirectory(prefix="smartsim-bench-") as workdir:
        port = free_tcp_port()
        sock = os.path.join(workdir, "server.sock")
        argv = shard_argv(
            resolve_server_binary().path,
            resolve_ai_module(),
            list(module_args),
            ShardOptions(port=port, data_dir=workdir, unix_socket=sock, unix_socket_permissions=0o700),
        )
        log = open(os.path.join(workdir, "server.log"), "wb")  # noqa: SIM115 (closed below)
        process = subprocess.Popen(argv, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
        try:
            if server_cpus:
                os.sched_setaffinity(process.pid, server_cpus)
            server = BenchServer("127.0.0.1", port, sock, process.pid)
            _wait_ready(server, process, os.path.join(workdir, "server.log"))
            yield server
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


def _wait_ready(server: BenchServer, process: subprocess.Popen[bytes], log_path: str) -> None:
    deadline = time.monotonic() + 20
    delay = 0.001
    while time.monotonic() < deadline:
        if process.poll() is not None:
            with open(log_path, errors="replace") as log:
                raise RuntimeError(f"server exited with {process.returncode}:\n{log.read()}")
        probe = redis.Redis(host=server.host, port=server.port, socket_connect_timeout=0.5)
        try:
            if probe.ping():
                return
        except redis.exceptions.ConnectionError:
            pass
        finally:
            probe.close()
        time.sleep(delay)
        delay = min(delay * 2, 0.05)
    raise RuntimeError("server did not answer within 20 s")


def parse_cpus(text: str | None) -> set[int] | None:
    """'0' or '0,2' or '1-3' as a CPU set for sched_setaffinity; None for no pinning."""
    if not text:
        return None
    cpus: set[int] = set()
    for part in text.split(","):
        low, _, high = part.partition("-")
        cpus.update(range(int(low), int(high or low) + 1))
    return cpus
