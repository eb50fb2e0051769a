"""The connection to one database: a :class:`LeanConnection` (standalone) or a
:class:`ClusterConnection` (sharded), and the helpers the client's commands run through.

Both speak RESP2 over plain sockets with hiredis parsing, hand large payloads to the socket by
reference, and follow SmartRedis' command budget on IO failures (:mod:`smartredis._timeouts`).
"""

from __future__ import annotations

import time
from typing import Any

import hiredis

from ._cluster import ClusterConnection
from ._lean import LeanConnection
from ._timeouts import Timeouts
from .address import Address, UnixAddress
from .error import RedisConnectionError, RedisReplyError, RedisRuntimeError

DatabaseConnection = LeanConnection | ClusterConnection


def connect(address: Address, cluster: bool, timeouts: Timeouts) -> DatabaseConnection:
    """Open the connection and prove it with PING (standalone) or the slot map (cluster).

    Retries every ``SR_CONN_INTERVAL`` until ``SR_CONN_TIMEOUT`` has passed, so a client may
    start a moment before its database; raises ``RedisConnectionError`` naming the address when
    it gives up.
    """
    if cluster and isinstance(address, UnixAddress):
        raise RedisConnectionError("Unix Domain Socket is not supported with clustered Redis")
    deadline = time.monotonic() + timeouts.conn_timeout_s
    last_error: Exception | None = None
    while True:
        remaining = max(deadline - time.monotonic(), 0.001)
        try:
            return _open(address, cluster, timeouts, remaining)
        except (OSError, RedisReplyError) as err:
            last_error = err
        if time.monotonic() + timeouts.conn_interval_s > deadline:
            break
        time.sleep(timeouts.conn_interval_s)
    raise RedisConnectionError(
        f"Unable to connect to backend database: failed to connect to {address}: {last_error}"
    )


def _open(address: Address, cluster: bool, timeouts: Timeouts, timeout_s: float) -> DatabaseConnection:
    if cluster:
        assert not isinstance(address, UnixAddress)
        sharded = ClusterConnection(address, timeouts)
        try:
            sharded.load_slot_map(probe_timeout_s=timeout_s)
        except BaseException:
            sharded.close()
            raise
        return sharded
    standalone = LeanConnection(address, timeouts)
    try:
        if standalone.probe(timeout_s, "PING") != b"PONG":
            raise RedisConnectionError(f"{address} did not answer PING with PONG")
    except BaseException:
        standalone.close()
        raise
    return standalone


def run(connection: DatabaseConnection, *args: Any) -> Any:
    """Execute one command; a server error reply becomes ``RedisRuntimeError``."""
    return connection.execute(*args)


def copy_tensor_key(connection: DatabaseConnection, source: str | bytes, target: str | bytes) -> None:
    """Copy a tensor between keys (possibly on different shards) through the client."""
    reply = run(connection, "AI.TENSORGET", source, "META", "BLOB")
    run(connection, "AI.TENSORSET", target, reply[1], *reply[3], "BLOB", reply[5])


def run_pipeline(connection: DatabaseConnection, commands: list[tuple[Any, ...]]) -> list[Any]:
    """Send ``commands`` back to back (no MULTI; in a cluster, one batch per shard) and return
    every reply.

    Like SmartRedis, a failing command does not stop the later ones; the first error reply is
    raised as ``RedisRuntimeError`` once all replies are in.
    """
    if not commands:
        return []
    replies = connection.pipeline(commands)
    for reply in replies:
        if isinstance(reply, hiredis.ReplyError):
            raise RedisRuntimeError(f"Redis error when executing the pipeline: {reply}")
    return replies
