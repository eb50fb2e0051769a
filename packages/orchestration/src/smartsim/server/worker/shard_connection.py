"""A plain RESP2 connection from a worker to its shard: one socket, hiredis replies.

Both the worker's registered connection and the second connection scripts use
(``redis.execute``) are one of these. A run costs a worker three round trips (NEXT, sometimes
MODEL, DONE); a general-purpose client (connection pools, retries, response callbacks) costs
about as much Python time per command as a small model's whole run, so this one does only what
the protocol needs. Commands are packed by the client's packer: output tensors travel by
reference through ``sendmsg``, never joined into one buffer.
"""

from __future__ import annotations

import socket
from typing import Any

import hiredis

from smartredis._lean import pack_commands, send_buffers

_READ_CHUNK = 1 << 16


class ShardConnectionError(ConnectionError):
    """The shard closed the connection or could not be reached."""


def _wire(arg: Any) -> Any:
    # Keys may hold any bytes (cluster shard prefixes); they were decoded with surrogateescape.
    return arg.encode("utf-8", errors="surrogateescape") if isinstance(arg, str) else arg


class ShardConnection:
    """A connection to one shard (``host:port`` or ``unix:///path``), opened at first use."""

    def __init__(self, address: str, timeout_s: float | None = None) -> None:
        self.address = address
        self.timeout_s = timeout_s
        self._sock: socket.socket | None = None
        self._reader = hiredis.Reader()

    def _connect(self) -> socket.socket:
        if self._sock is None:
            try:
                if self.address.startswith("unix://"):
                    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    try:
                        sock.settimeout(self.timeout_s)
                        sock.connect(self.address[len("unix://") :])
                    except BaseException:
                        sock.close()
                        raise
                else:
                    host, _, port = self.address.rpartition(":")
                    sock = socket.create_connection((host or "127.0.0.1", int(port)), timeout=self.timeout_s)
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError as error:
                raise ShardConnectionError(f"cannot connect to {self.address}: {error}") from error
            self._sock = sock
            self._reader = hiredis.Reader()
        return self._sock

    def command(self, *args: Any) -> Any:
        """The raw reply (``hiredis.ReplyError`` for an error reply); the connection is closed
        when it fails, so that a half-read reply never answers the next command."""
        sock = self._connect()
        try:
            send_buffers(sock, pack_commands([[_wire(arg) for arg in args]]))
            while True:
                reply = self._reader.gets()
                if reply is not False:
                    return reply
                chunk = sock.recv(_READ_CHUNK)
                if not chunk:
                    raise ShardConnectionError(f"connection to {self.address} closed")
                self._reader.feed(chunk)
        except BaseException as error:
            self.close()
            if isinstance(error, OSError) and not isinstance(error, ShardConnectionError):
                raise ShardConnectionError(f"connection to {self.address} failed: {error}") from error
            raise

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
