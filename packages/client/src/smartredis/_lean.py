"""A lean connection to one database node: RESP2 over one socket.

Commands are packed here: small arguments are joined into one header buffer, large ones (a
tensor payload) are handed to ``sendmsg`` as they are, so a payload is never copied on the
way out. Replies are parsed by hiredis. This costs a fraction of redis-py's per-command
bookkeeping (pools, callbacks), which dominates small operations.

IO failures follow SmartRedis' command budget (``SR_CMD_TIMEOUT`` / ``SR_CMD_INTERVAL``): the
connection is dropped, opened again and the command sent again, until the attempts run out.
See :mod:`smartredis._timeouts` for when a command whose reply timed out is sent again.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import hiredis

from ._timeouts import Timeouts
from .address import Address, TcpAddress
from .error import RedisDatabaseError, RedisInternalError, RedisRuntimeError

# Arguments at least this large travel as their own buffer instead of being joined.
_BY_REFERENCE = 16 * 1024
_IOV_MAX = 1024
_READ_CHUNK = 65536

Buffer = bytes | bytearray | memoryview
T = TypeVar("T")
_ASKING = b"*1\r\n$6\r\nASKING\r\n"
_OK = b"+OK\r\n"
# How an expired SO_RCVTIMEO/SO_SNDTIMEO shows on a blocking socket (EAGAIN), or a connect timeout.
_TIMED_OUT = (BlockingIOError, TimeoutError)


class ServerErrorReply(RedisRuntimeError):
    """An error reply read by a raw reader; ``reply_text`` is the server's text (a cluster
    client looks for ``MOVED``/``ASK`` there)."""

    def __init__(self, reply_text: str) -> None:
        super().__init__(f"Redis error when executing command: {reply_text}")
        self.reply_text = reply_text


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
            # The common argument types first, by exact type (most of a small command's cost).
            kind = type(arg)
            if kind is str:
                data: Buffer = arg.encode()
            elif kind is bytes:
                data = arg
            elif kind is int:
                data = b"%d" % arg
            else:
                data = _encode(arg)
            size = data.nbytes if type(data) is memoryview else len(data)
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


def send_buffers(sock: socket.socket, buffers: Sequence[Buffer]) -> None:
    """Write ``buffers`` (from :func:`pack_commands`) with scatter-gather sends, no joining copy."""
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


class LeanConnection:
    """One socket to one node; one command (or one pipeline) at a time.

    The socket is opened on first use (and again after any IO failure), so building one never
    blocks; :func:`smartredis._transport.connect` proves a standalone address with PING.
    """

    def __init__(self, address: Address, timeouts: Timeouts) -> None:
        self.address = address
        self._timeouts = timeouts
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._io_timeout_s: float | None = None
        self._reader = hiredis.Reader()

    def _connect(self, timeout_s: float) -> socket.socket:
        connect_timeout = min(timeout_s, self._timeouts.conn_timeout_s)
        if isinstance(self.address, TcpAddress):
            sock = socket.create_connection((self.address.host, self.address.port), timeout=connect_timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        else:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.settimeout(connect_timeout)
                sock.connect(self.address.path)
            except BaseException:
                sock.close()
                raise
        # The socket stays in blocking mode and the kernel enforces the IO timeout
        # (SO_RCVTIMEO/SO_SNDTIMEO): Python's own socket timeout would add a poll() system call
        # before every send and receive. An expired timeout surfaces as BlockingIOError (EAGAIN).
        sock.settimeout(None)
        self._io_timeout_s = None
        self._set_io_timeout(sock, timeout_s)
        self._sock = sock
        self._reader = hiredis.Reader()
        return sock

    def _set_io_timeout(self, sock: socket.socket, timeout_s: float) -> None:
        if timeout_s == self._io_timeout_s:
            return
        seconds = int(timeout_s)
        microseconds = int((timeout_s - seconds) * 1_000_000)
        if seconds == 0 and microseconds == 0:
            microseconds = 1  # a zero timeval would mean "wait forever"
        value = struct.pack("ll", seconds, microseconds)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, value)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, value)
        self._io_timeout_s = timeout_s

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    @staticmethod
    def _send(sock: socket.socket, buffers: list[Buffer]) -> None:
        send_buffers(sock, buffers)

    def _read_reply(self, sock: socket.socket) -> Any:
        while True:
            reply = self._reader.gets()
            if reply is not False:
                return reply
            data = sock.recv(_READ_CHUNK)
            if not data:
                raise ConnectionError("Connection closed by server.")
            self._reader.feed(data)

    def _attempt_timeout(self, attempt: int, deadline: float) -> float:
        """SR_SOCKET_TIMEOUT when set; otherwise what is left of the command budget."""
        if self._timeouts.socket_timeout_s is not None:
            return self._timeouts.socket_timeout_s
        if attempt == 1:
            return self._timeouts.cmd_timeout_s  # no clock read on the common path
        return max(deadline - time.monotonic(), 0.001)

    def _exchange(self, buffers: list[Buffer], read: Callable[[socket.socket], T], what: str) -> T:
        """Send ``buffers`` and ``read`` the reply(ies), with SmartRedis' re-send on IO failure.

        The caller holds the lock. A failed attempt closes the socket: a half-read reply would
        desynchronise every later command.
        """
        timeouts = self._timeouts
        deadline = time.monotonic() + timeouts.cmd_timeout_s
        attempts = timeouts.command_attempts
        attempt = 0
        while True:
            attempt += 1
            sent = False
            try:
                timeout = self._attempt_timeout(attempt, deadline)
                sock = self._sock
                if sock is None:
                    sock = self._connect(timeout)
                else:
                    self._set_io_timeout(sock, timeout)
                self._send(sock, buffers)
                sent = True
                return read(sock)
            except RedisRuntimeError:
                raise  # a complete error reply was read: the connection is in a clean state
            except OSError as err:
                self.close()
                reply_timed_out = sent and isinstance(err, _TIMED_OUT)
                out_of_budget = attempt >= attempts or (
                    timeouts.socket_timeout_s is None and time.monotonic() >= deadline
                )
                if out_of_budget or (reply_timed_out and not timeouts.resend_after_reply_timeout):
                    raise RedisDatabaseError(
                        f"Redis IO error when executing {what}: {_describe(err, self.address)}"
                    ) from None
                # The first re-send is immediate: an idle connection closed by the server (a
                # restart, CLIENT KILL, the server's idle timeout) then costs nothing.
                if attempt > 1:
                    time.sleep(timeouts.cmd_interval_s)
            except BaseException:
                self.close()
                raise

    def execute(self, *args: Any) -> Any:
        with self._lock:
            reply = self._exchange(pack_commands([args]), self._read_reply, "command")
        if isinstance(reply, hiredis.ReplyError):
            raise RedisRuntimeError(f"Redis error when executing command: {reply}")
        return reply

    def execute_reply(self, *args: Any, asking: bool = False) -> Any:
        """One command; an error reply is returned as ``hiredis.ReplyError``, not raised.

        ``asking`` sends ``ASKING`` first in the same write (a cluster ``ASK`` redirection).
        """
        if not asking:
            with self._lock:
                return self._exchange(pack_commands([args]), self._read_reply, "command")

        def read_second(sock: socket.socket) -> Any:
            self._read_reply(sock)  # ASKING's +OK
            return self._read_reply(sock)

        with self._lock:
            return self._exchange(pack_commands([("ASKING",), args]), read_second, "command")

    def probe(self, timeout_s: float, *args: Any) -> Any:
        """One attempt with its own timeout and no re-send (connection checks at start-up);
        IO failures are raised as they are."""
        with self._lock:
            try:
                sock = self._sock if self._sock is not None else self._connect(timeout_s)
                self._set_io_timeout(sock, timeout_s)
                self._send(sock, pack_commands([args]))
                reply = self._read_reply(sock)
            except BaseException:
                self.close()
                raise
        if isinstance(reply, hiredis.ReplyError):
            raise RedisRuntimeError(f"Redis error when executing command: {reply}")
        return reply

    def pipeline(self, commands: Sequence[Sequence[Any]]) -> list[Any]:
        """All commands in one write, all replies in one read loop; errors are returned."""

        def read_all(sock: socket.socket) -> list[Any]:
            return [self._read_reply(sock) for _ in commands]

        with self._lock:
            return self._exchange(pack_commands(commands), read_all, "the pipeline")

    def exchange_raw(
        self, args: Sequence[Any], read: Callable[[socket.socket], T], asking: bool = False
    ) -> T:
        """Send one command and let ``read(sock)`` consume its reply straight from the socket.

        ``read`` raises ``RedisRuntimeError`` only after consuming a whole error reply.
        """
        buffers = pack_commands([args])
        if asking:
            buffers.insert(0, _ASKING)
        with self._lock:
            if self._reader.has_data():
                raise RedisDatabaseError("Unread reply data is pending on the connection")
            return self._exchange(buffers, self._after_asking(read, asking), "command")

    @staticmethod
    def _after_asking(read: Callable[[socket.socket], T], asking: bool) -> Callable[[socket.socket], T]:
        if not asking:
            return read

        def read_after_ok(sock: socket.socket) -> T:
            received = b""
            while len(received) < len(_OK):
                chunk = sock.recv(len(_OK) - len(received))
                if not chunk:
                    raise ConnectionError("Connection closed by server.")
                received += chunk
            if received != _OK:
                raise RedisInternalError(f"ASKING was answered with {received!r}, not +OK")
            return read(sock)

        return read_after_ok


def _describe(err: OSError, address: Address) -> str:
    if isinstance(err, _TIMED_OUT):
        return f"no reply from {address} in time ({err})"
    return f"{err} ({address})"
