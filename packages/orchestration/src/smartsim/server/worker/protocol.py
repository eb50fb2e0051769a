"""The worker side of the AI module's worker protocol (``docs/worker-protocol.md``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias

import hiredis
import numpy as np

from .shard_connection import ShardConnection

DTYPES: dict[str, np.dtype[Any]] = {
    "FLOAT": np.dtype(np.float32),
    "DOUBLE": np.dtype(np.float64),
    "INT8": np.dtype(np.int8),
    "INT16": np.dtype(np.int16),
    "INT32": np.dtype(np.int32),
    "INT64": np.dtype(np.int64),
    "UINT8": np.dtype(np.uint8),
    "UINT16": np.dtype(np.uint16),
    "BOOL": np.dtype(np.bool_),
}
DTYPE_NAMES: dict[np.dtype[Any], str] = {value: name for name, value in DTYPES.items()}


class ProtocolError(RuntimeError):
    """The module's reply did not have the documented layout."""


class WorkerError(RuntimeError):
    """An error reported to the callers of a run (the message goes out verbatim)."""


def _text(value: Any) -> str:
    # Keys may hold any bytes (SmartRedis pins models to cluster shards with binary "{S}." prefixes):
    # surrogateescape keeps them lossless and never fails.
    return value.decode("utf-8", errors="surrogateescape") if isinstance(value, bytes) else str(value)


def decode_strings(blob: bytes, shape: list[int]) -> np.ndarray:
    """A STRING blob (every element followed by one NUL) as an object array of ``bytes``."""
    count = int(np.prod(shape, dtype=np.int64))
    if count == 0:
        return np.empty(shape, dtype=object)
    if not blob.endswith(b"\0"):
        raise ProtocolError("STRING tensor blob does not end with NUL")
    elements = bytes(blob).split(b"\0")[:-1]
    if len(elements) != count:
        raise ProtocolError(f"STRING tensor blob has {len(elements)} elements for shape {shape}")
    array = np.empty(count, dtype=object)
    array[:] = elements
    return array.reshape(shape)


def decode_tensor(item: Any) -> np.ndarray:
    """``[dtype, [dims], blob]`` to a read-only numpy view of the blob (no copy); STRING tensors
    become object arrays of ``bytes`` (one element per string, without its NUL)."""
    dtype_name, dims, blob = item
    name = _text(dtype_name)
    shape = [int(d) for d in dims]
    if name == "STRING":
        return decode_strings(blob, shape)
    if name not in DTYPES:
        raise ProtocolError(f"unknown dtype {name}")
    return np.frombuffer(blob, dtype=DTYPES[name]).reshape(shape)


def is_string_array(array: np.ndarray) -> bool:
    """Whether ``array`` travels as a STRING tensor (object, bytes or unicode elements)."""
    return array.dtype.kind in "OSU"


def _string_element(value: Any) -> bytes:
    if isinstance(value, str):
        try:
            # surrogateescape: bytes a backend decoded that way (to hand str to its framework)
            # come back unchanged.
            data = value.encode("utf-8", errors="surrogateescape")
        except UnicodeEncodeError as error:
            raise WorkerError(f"ERR STRING output element is not valid text: {error}") from error
    elif isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
    else:
        raise WorkerError(f"ERR STRING output elements must be bytes or str, not {type(value).__name__}")
    if b"\0" in data:
        raise WorkerError("ERR STRING output element contains a NUL byte")
    return data


def encode_strings(array: np.ndarray) -> bytes:
    """The STRING blob of an object/bytes/unicode array: each element UTF-8 and NUL-terminated."""
    return b"".join(_string_element(value) + b"\0" for value in array.reshape(-1).tolist())


def encode_tensor(array: np.ndarray) -> list[Any]:
    """A tensor as the DONE arguments ``<dtype> <ndims> <dims...> <blob>``."""
    array = np.asarray(array)
    if is_string_array(array):
        return ["STRING", array.ndim, *array.shape, encode_strings(array)]
    array = np.asarray(array, order="C")  # keeps 0-d (ascontiguousarray makes it 1-d)
    name = DTYPE_NAMES.get(array.dtype)
    if name is None:
        raise WorkerError(f"ERR unsupported output tensor type {array.dtype}")
    return [name, array.ndim, *array.shape, array.tobytes()]


# What a run produced for one request: its outputs, or the error only that request gets.
Outcome: TypeAlias = "list[np.ndarray] | WorkerError"


def encode_outcome(outcome: Outcome) -> list[Any]:
    """One request's item of DONE OK: ``<nout> <tensors...>`` or ``ERR <message>``."""
    if isinstance(outcome, WorkerError):
        return ["ERR", one_line(str(outcome))]
    try:
        payload: list[Any] = [len(outcome)]
        for out in outcome:
            payload.extend(encode_tensor(out))
    except WorkerError as error:
        return ["ERR", one_line(str(error))]
    return payload


def encode_outputs(outputs: list[Outcome]) -> list[Any]:
    """The DONE OK arguments for every request; a request whose outputs cannot be encoded (a
    dtype the protocol lacks) gets its own error item."""
    payload: list[Any] = []
    for outcome in outputs:
        payload.extend(encode_outcome(outcome))
    return payload


@dataclass(slots=True)
class Request:
    """One caller's job inside a run."""

    job: int
    keys: list[str]
    args: list[str]
    noutputs: int
    inputs: list[np.ndarray]


@dataclass(slots=True)
class Run:
    """What ``AI._WORKER.NEXT`` hands out: one job, or several of one model batched."""

    run: int
    kind: str
    key: str
    version: int
    backend: str
    device: str
    function: str
    entry_point: bool
    requests: list[Request] = field(default_factory=list)

    @property
    def cache_key(self) -> tuple[str, str, int]:
        return (self.kind, self.key, self.version)


# The field names of a NEXT reply and of each of its requests, in the order the module sends them
# (docs/worker-protocol.md). Values are read by position once the names are checked: a run is
# parsed on every call, and building dictionaries of the fields cost as much as a small model.
RUN_FIELDS = (
    b"run",
    b"kind",
    b"key",
    b"version",
    b"backend",
    b"device",
    b"function",
    b"entry_point",
    b"requests",
)
REQUEST_FIELDS = (b"job", b"keys", b"args", b"noutputs", b"inputs")


def _values(reply: Any, names: tuple[bytes, ...]) -> list[Any]:
    if not isinstance(reply, list) or tuple(reply[0::2]) != names or len(reply) != 2 * len(names):
        raise ProtocolError(f"expected the fields {b' '.join(names).decode()}, got {reply!r:.200}")
    values: list[Any] = reply[1::2]
    return values


def parse_request(reply: Any) -> Request:
    job, keys, args, noutputs, inputs = _values(reply, REQUEST_FIELDS)
    return Request(
        job=int(job),
        keys=[_text(k) for k in keys],
        args=[_text(a) for a in args],
        noutputs=int(noutputs),
        inputs=[decode_tensor(t) for t in inputs],
    )


def parse_run(reply: Any) -> Run:
    """Parse a NEXT reply; a malformed tensor raises ``WorkerError`` with the run id attached."""
    run, kind, key, version, backend, device, function, entry_point, requests = _values(reply, RUN_FIELDS)
    return Run(
        run=int(run),
        kind=_text(kind),
        key=_text(key),
        version=int(version),
        backend=_text(backend),
        device=_text(device),
        function=_text(function),
        entry_point=int(entry_point) == 1,
        requests=[parse_request(r) for r in requests],
    )


def one_line(message: str) -> str:
    return " ".join(message.split("\n")).strip() or "ERR worker error"


class WorkerConnection:
    """The worker's registered connection to its shard (no retries: a registration belongs to
    one connection, so a lost connection ends the worker and its supervisor starts a new one)."""

    def __init__(self, address: str) -> None:
        self.connection = ShardConnection(address)

    def command(self, *args: Any) -> Any:
        reply = self.connection.command(*args)
        if isinstance(reply, hiredis.ReplyError):
            raise ProtocolError(f"{_text(args[0])} was refused: {reply}")
        return reply

    def hello(self, device: str, backends: list[str]) -> None:
        self.command("AI._WORKER.HELLO", device, *backends)

    def next_reply(self, timeout_ms: int) -> Any:
        """The raw NEXT reply (None when nothing came within the timeout)."""
        return self.command("AI._WORKER.NEXT", timeout_ms)

    def model(self, run_id: int) -> bytes:
        blob = self.command("AI._WORKER.MODEL", run_id)
        return bytes(blob)

    def model_io(self, run_id: int) -> tuple[list[str], list[str]]:
        """The INPUTS and OUTPUTS names of the model version the run holds (TF needs them)."""
        inputs, outputs = self.command("AI._WORKER.MODEL", run_id, "IO")
        return [_text(name) for name in inputs], [_text(name) for name in outputs]

    def done_ok(self, run_id: int, duration_us: int, payload: list[Any]) -> int:
        """Report success; ``payload`` comes from ``encode_outputs``."""
        return int(self.command("AI._WORKER.DONE", run_id, "OK", max(0, duration_us), *payload))

    def done_err(self, run_id: int, duration_us: int, message: str) -> int:
        return int(self.command("AI._WORKER.DONE", run_id, "ERR", max(0, duration_us), one_line(message)))

    def close(self) -> None:
        self.connection.close()
