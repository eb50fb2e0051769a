"""Reading an ``AI.TENSORGET key META BLOB`` reply straight into the result array.

redis-py (with hiredis) would copy the payload from its read buffer into a ``bytes`` object, and a
writable array needs one more copy. Here the reply header is parsed from a small buffer and the
payload is received directly into a freshly allocated numpy array: one copy, from the kernel.
Standalone connections only; the connection is dropped on any error so it can never be reused
half-read.
"""

from __future__ import annotations

import re
import socket
from typing import Any

import numpy as np
import redis

from .error import RedisInternalError, RedisRuntimeError
from .tensor_types import numpy_dtype_for

_CHUNK = 65536


class _Reader:
    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = bytearray()
        self._pos = 0

    def match(self, pattern: re.Pattern[bytes]) -> re.Match[bytes] | None:
        """Match ``pattern`` at the first unconsumed byte (without copying the buffer)."""
        return pattern.match(self._buffer, self._pos)

    def starts_with(self, prefix: bytes) -> bool:
        return self._buffer.startswith(prefix, self._pos)

    def pending_size(self) -> int:
        return len(self._buffer) - self._pos

    def consume_to(self, end: int) -> None:
        self._pos = end

    def fill(self) -> None:
        self._fill()

    def _fill(self) -> None:
        if self._pos:
            del self._buffer[: self._pos]
            self._pos = 0
        chunk = self._sock.recv(_CHUNK)
        if not chunk:
            raise redis.exceptions.ConnectionError("Connection closed by server.")
        self._buffer += chunk

    def line(self) -> bytes:
        while True:
            end = self._buffer.find(b"\r\n", self._pos)
            if end >= 0:
                line = bytes(self._buffer[self._pos : end])
                self._pos = end + 2
                return line
            self._fill()

    def exact_into(self, target: memoryview) -> None:
        buffered = min(len(self._buffer) - self._pos, len(target))
        target[:buffered] = self._buffer[self._pos : self._pos + buffered]
        self._pos += buffered
        received = buffered
        while received < len(target):
            count = self._sock.recv_into(target[received:])
            if count == 0:
                raise redis.exceptions.ConnectionError("Connection closed by server.")
            received += count

    def exact(self, length: int) -> bytes:
        data = bytearray(length)
        self.exact_into(memoryview(data))
        return bytes(data)

    def crlf(self) -> None:
        if self.exact(2) != b"\r\n":
            raise RedisInternalError("Malformed reply: missing CRLF")


# The whole header of a META BLOB reply, up to the first payload byte, in one match.
_HEADER = re.compile(
    rb"\*6\r\n\$5\r\ndtype\r\n\$\d+\r\n(?P<dtype>[A-Za-z0-9]+)\r\n\$5\r\nshape\r\n"
    rb"\*(?P<ndims>\d+)\r\n(?P<dims>(?::\d+\r\n)*)\$4\r\nblob\r\n\$(?P<length>\d+)\r\n"
)
_MAX_HEADER = 4096


def _read_tensor(reader: _Reader) -> np.ndarray:
    while True:
        if reader.starts_with(b"-"):
            message = reader.line()[1:].decode(errors="replace")
            raise RedisRuntimeError(f"Redis error when executing command: {message}")
        match = reader.match(_HEADER)
        if match is not None:
            break
        if reader.pending_size() > _MAX_HEADER:
            raise RedisInternalError(f"Unexpected reply to AI.TENSORGET: {reader.line()[:60]!r}")
        reader.fill()
    dims = (
        [int(dim) for dim in match.group("dims")[1:-2].split(b"\r\n:")] if int(match.group("ndims")) else []
    )
    if len(dims) != int(match.group("ndims")):
        raise RedisInternalError("The shape in the AI.TENSORGET reply is malformed")
    try:
        dtype = numpy_dtype_for(match.group("dtype").decode())
    except KeyError:
        raise RedisInternalError(
            f"The tensor has type {match.group('dtype').decode()}, which numpy arrays "
            "from this client cannot hold"
        ) from None
    array = np.empty(dims, dtype=dtype)
    if array.nbytes != int(match.group("length")):
        raise RedisInternalError(
            f"The tensor blob has {int(match.group('length'))} bytes, its shape and dtype need {array.nbytes}"
        )
    reader.consume_to(match.end())
    reader.exact_into(array.data.cast("B"))
    reader.crlf()
    return array


def get_tensor_direct(client: redis.Redis, key: str) -> np.ndarray:
    """``AI.TENSORGET key META BLOB`` on a standalone connection, payload received in place."""
    pool: Any = client.connection_pool
    connection = pool.get_connection()
    try:
        connection.send_command("AI.TENSORGET", key, "META", "BLOB")
        return _read_tensor(_Reader(connection._sock))
    except RedisRuntimeError:
        raise  # a complete error reply: the connection is in a clean state
    except BaseException:
        connection.disconnect()
        raise
    finally:
        pool.release(connection)
