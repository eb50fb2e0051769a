"""The connection to one database (standalone or cluster), built on redis-py.

Commands are packed with redis-py's pure-Python serializer instead of hiredis' packer: it hands
``memoryview`` arguments to the socket as they are, so a tensor payload is never copied into a
joined command buffer (hiredis' packer copies every byte). Replies are parsed by hiredis.
"""

from __future__ import annotations

import time
from typing import Any

import hiredis
import redis
from redis.cluster import RedisCluster
from redis.connection import Connection, PythonRespSerializer, UnixDomainSocketConnection

from ._lean import LeanConnection
from .address import Address, UnixAddress
from .error import RedisConnectionError, RedisRuntimeError

# Arguments larger than this travel as their own socket write instead of being joined.
_BUFFER_CUTOFF = 6000
# SmartRedis speaks RESP2 only; so do we, so that replies (e.g. float VALUES) have the same shape.
_RESP2 = 2


class _ZeroCopyPackerMixin:
    """Swap redis-py's hiredis packer for the serializer that passes memoryviews through."""

    encoder: Any

    def _construct_command_packer(self, packer: Any) -> Any:
        return PythonRespSerializer(_BUFFER_CUTOFF, self.encoder.encode)


class ZeroCopyConnection(_ZeroCopyPackerMixin, Connection):
    pass


class ZeroCopyUnixConnection(_ZeroCopyPackerMixin, UnixDomainSocketConnection):
    pass


def connect(
    address: Address, cluster: bool, connect_timeout_s: float, retry_interval_s: float
) -> DatabaseConnection:
    """Open the connection and prove it with PING (standalone) or the slot map (cluster).

    Retries until ``connect_timeout_s`` has passed, so a client may start a moment before its
    database; raises ``RedisConnectionError`` naming the address when it gives up.
    """
    deadline = time.monotonic() + connect_timeout_s
    last_error: Exception | None = None
    while True:
        try:
            return _open(address, cluster, connect_timeout_s)
        except (redis.exceptions.RedisError, OSError, RedisConnectionError) as err:
            last_error = err
        if time.monotonic() + retry_interval_s > deadline:
            break
        time.sleep(retry_interval_s)
    raise RedisConnectionError(
        f"Unable to connect to backend database: failed to connect to {address}: {last_error}"
    )


DatabaseConnection = LeanConnection | RedisCluster


def _open(address: Address, cluster: bool, timeout_s: float) -> DatabaseConnection:
    if cluster:
        if isinstance(address, UnixAddress):
            raise RedisConnectionError("Unix Domain Socket is not supported with clustered Redis")
        client = RedisCluster(
            host=address.host,
            port=address.port,
            socket_connect_timeout=timeout_s,
            protocol=_RESP2,
        )
        # RedisCluster builds its per-node pools itself; switch them to the zero-copy packer.
        for node in client.get_nodes():  # type: ignore[no-untyped-call]
            if node.redis_connection is not None:
                node.redis_connection.connection_pool.connection_class = ZeroCopyConnection
        return client
    standalone = LeanConnection(address, timeout_s)
    try:
        if standalone.execute("PING") != b"PONG":
            raise RedisConnectionError(f"{address} did not answer PING with PONG")
    except BaseException:
        standalone.close()
        raise
    return standalone


def server_error_text(err: redis.exceptions.ResponseError) -> str:
    """The error exactly as the server sent it: redis-py strips a leading code such as ``ERR``."""
    code = getattr(err, "status_code", None)
    return f"{code} {err}" if code else str(err)


def run(connection: DatabaseConnection, *args: Any) -> Any:
    """Execute one command; a server error reply becomes ``RedisRuntimeError``."""
    if isinstance(connection, LeanConnection):
        return connection.execute(*args)
    try:
        return connection.execute_command(*args)  # type: ignore[no-untyped-call]
    except redis.exceptions.ResponseError as err:
        raise RedisRuntimeError(f"Redis error when executing command: {server_error_text(err)}") from None


def copy_tensor_key(connection: DatabaseConnection, source: str | bytes, target: str | bytes) -> None:
    """Copy a tensor between keys (possibly on different shards) through the client."""
    reply = run(connection, "AI.TENSORGET", source, "META", "BLOB")
    run(connection, "AI.TENSORSET", target, reply[1], *reply[3], "BLOB", reply[5])


def run_pipeline(connection: DatabaseConnection, commands: list[tuple[Any, ...]]) -> list[Any]:
    """Send ``commands`` back to back in one round trip (no MULTI) and return every reply.

    Like SmartRedis, a failing command does not stop the later ones; the first error reply is
    raised as ``RedisRuntimeError`` once all replies are in.
    """
    if not commands:
        return []
    if isinstance(connection, LeanConnection):
        lean_replies = connection.pipeline(commands)
        for lean_reply in lean_replies:
            if isinstance(lean_reply, hiredis.ReplyError):
                raise RedisRuntimeError(f"Redis error when executing the pipeline: {lean_reply}")
        return lean_replies
    pipe = connection.pipeline(transaction=False)  # type: ignore[no-untyped-call]
    for command in commands:
        pipe.execute_command(*command)
    replies: list[Any] = pipe.execute(raise_on_error=False)
    for reply in replies:
        if isinstance(reply, redis.exceptions.ResponseError):
            raise RedisRuntimeError(f"Redis error when executing the pipeline: {server_error_text(reply)}")
    return replies
