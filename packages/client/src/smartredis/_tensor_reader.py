"""Reading an ``AI.TENSORGET key META BLOB`` reply straight into the result array.

redis-py (with hiredis) would copy the payload from its read buffer into a ``bytes`` object, and a
writable array needs one more copy. Here the reply header is parsed from a small buffer and the
payload is received directly into a freshly allocated numpy array: one copy, from the kernel.
The connection is dropped on any IO error so it can never be reused half-read; in a cluster the
read goes to the shard owning the key (redirections followed by the cluster connection).
"""

from __future__ import annotations

import re
import socket
import threading

import numpy as np

from ._cluster import ClusterConnection
from ._lean import LeanConnection, ServerErrorReply
from .error import RedisInternalError
from .tensor_types import numpy_dtype_for

_CHUNK = 65536


class _Reader:
    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = bytearray()
        self._pos = 0

    def seed(self, data: bytes) -> None:
        """Bytes already read from the socket, to be consumed first."""
        if not data:
            raise ConnectionError("Connection closed by server.")
        self._buffer += data

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
            raise ConnectionError("Connection closed by server.")
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
                raise ConnectionError("Connection closed by server.")
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
            raise ServerErrorReply(message)
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


# The first read of a reply goes into a reusable buffer this large: a tensor up to 256 KiB usually
# arrives whole in it (one system call, no allocation), where a smaller first read would leave
# the rest to a second receive that may have to wait for its own wake-up.
_FIRST_READ = 256 * 1024 + 4096
_local = threading.local()


def _first_read_buffer() -> bytearray:
    # Per thread: a connection serves one command at a time under its lock, but several
    # connections (threads) may read at once.
    buffer: bytearray | None = getattr(_local, "buffer", None)
    if buffer is None:
        buffer = _local.buffer = bytearray(_FIRST_READ)
    return buffer


def _read_small_or_any(sock: socket.socket) -> np.ndarray:
    """A reply that arrived whole in the first read is copied out of it directly (one copy into
    the result array); anything else continues through the incremental reader."""
    buffer = _first_read_buffer()
    count = sock.recv_into(buffer)
    match = _HEADER.match(buffer, 0, count)
    if match is not None:
        start = match.end()
        length = int(match.group("length"))
        if count == start + length + 2 and buffer[count - 2 : count] == b"\r\n":
            dims_text = match.group("dims")
            dims = [int(dim) for dim in dims_text[1:-2].split(b"\r\n:")] if dims_text else []
            try:
                dtype = numpy_dtype_for(match.group("dtype").decode())
            except KeyError:
                dtype = None
            if dtype is not None and len(dims) == int(match.group("ndims")) and length % dtype.itemsize == 0:
                result = np.empty(dims, dtype=dtype)
                if result.nbytes == length:
                    result.data.cast("B")[:] = memoryview(buffer)[start : start + length]
                    return result
    reader = _Reader(sock)
    reader.seed(bytes(buffer[:count]))
    return _read_tensor(reader)


def get_tensor_direct(connection: LeanConnection | ClusterConnection, key: str) -> np.ndarray:
    """``AI.TENSORGET key META BLOB``, payload received in place."""
    result: np.ndarray = connection.exchange_raw(("AI.TENSORGET", key, "META", "BLOB"), _read_small_or_any)
    return result
