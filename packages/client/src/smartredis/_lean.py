"""A lean connection to one standalone database: RESP2 over one socket.

Commands are packed here: small arguments are joined into one header buffer, large ones (a
tensor payload) are handed to ``sendmsg`` as they are, so a payload is never copied on the
way out. Replies are parsed by hiredis. This costs a fraction of redis-py's per-command
bookkeeping (pools, callbacks, retries), which dominates small operations.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Sequence
from typing import Any

import hiredis

from .address import Address, TcpAddress
from .error import RedisDatabaseError, RedisRuntimeError

# Arguments at least this large travel as their own buffer instead of being joined.
_BY_REFERENCE = 16 * 1024
_IOV_MAX = 1024
_READ_CHUNK = 65536

Buffer = bytes | bytearray | memoryview


def _encode(arg: Any) -> Buffer:
    if isinstance(arg, (bytes, bytearray, memoryview)):
        return arg
    if isinstance(arg, str):
        return arg.encode()
    if isinstance(arg, bool):
        raise TypeError("A bool is not a valid command argument")
    if isinstance(arg, (int, float)):
        return repr(arg).encode()
    raise TypeError(f"Cannot send an argument of type {type(arg).__name__}")


def pack_commands(commands: Sequence[Sequence[Any]]) -> list[Buffer]:
    """RESP2 arrays for ``commands``: joined small parts, large arguments by reference."""
    buffers: list[Buffer] = []
    pending = bytearray()
    for command in commands:
        pending += b"*%d\r\n" % len(command)
        for arg in command:
            data = _encode(arg)
            size = data.nbytes if isinstance(data, memoryview) else len(data)
            pending += b"$%d\r\n" % size
            if size >= _BY_REFERENCE:
                buffers.append(bytes(pending))
                buffers.append(data)
                pending = bytearray(b"\r\n")
            else:
                pending += data
                pending += b"\r\n"
    if pending:
        buffers.append(bytes(pending))
    return buffers


class LeanConnection:
    """One socket; one command (or one pipeline) at a time."""

    def __init__(self, address: Address, connect_timeout_s: float) -> None:
        self.address = address
        self._connect_timeout_s = connect_timeout_s
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._reader = hiredis.Reader()
        self._connect()

    def _connect(self) -> None:
        if isinstance(self.address, TcpAddress):
            sock = socket.create_connection(
                (self.address.host, self.address.port), timeout=self._connect_timeout_s
            )
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        else:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self._connect_timeout_s)
            sock.connect(self.address.path)
        sock.settimeout(None)
        self._sock = sock
        self._reader = hiredis.Reader()

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _socket(self) -> socket.socket:
        if self._sock is None:
            try:
                self._connect()
            except OSError as err:
                raise RedisDatabaseError(
                    f"Redis IO error: cannot reconnect to {self.address}: {err}"
                ) from None
        assert self._sock is not None
        return self._sock

    def _send(self, buffers: list[Buffer]) -> None:
        sock = self._socket()
        views = [memoryview(buffer).cast("B") for buffer in buffers]
        while views:
            sent = sock.sendmsg(views[:_IOV_MAX])
            while sent and views:
                if sent >= views[0].nbytes:
                    sent -= views[0].nbytes
                    views.pop(0)
                else:
                    views[0] = views[0][sent:]
                    sent = 0

    def _read_reply(self) -> Any:
        sock = self._socket()
        while True:
            reply = self._reader.gets()
            if reply is not False:
                return reply
            data = sock.recv(_READ_CHUNK)
            if not data:
                raise ConnectionError("Connection closed by server.")
            self._reader.feed(data)

    def _io_failure(self, err: BaseException) -> RedisDatabaseError:
        self.close()  # a half-read reply would desynchronise every later command
        return RedisDatabaseError(f"Redis IO error when executing command: {err}")

    def execute(self, *args: Any) -> Any:
        with self._lock:
            try:
                self._send(pack_commands([args]))
                reply = self._read_reply()
            except OSError as err:
                raise self._io_failure(err) from None
        if isinstance(reply, hiredis.ReplyError):
            raise RedisRuntimeError(f"Redis error when executing command: {reply}")
        return reply

    def pipeline(self, commands: Sequence[Sequence[Any]]) -> list[Any]:
        """All commands in one write, all replies in one read loop; errors are returned."""
        with self._lock:
            try:
                self._send(pack_commands(commands))
                return [self._read_reply() for _ in commands]
            except OSError as err:
                raise self._io_failure(err) from None

    def exchange_raw(self, args: Sequence[Any], read: Any) -> Any:
        """Send one command and let ``read(sock)`` consume its reply straight from the socket."""
        with self._lock:
            if self._reader.has_data():
                raise RedisDatabaseError("Unread reply data is pending on the connection")
            try:
                self._send(pack_commands([args]))
                return read(self._socket())
            except RedisRuntimeError:
                raise  # a complete error reply was read: the connection is in a clean state
            except BaseException as err:
                self.close()
                if isinstance(err, OSError):
                    raise RedisDatabaseError(f"Redis IO error when executing command: {err}") from None
                raise
