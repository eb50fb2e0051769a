"""Robustness of the AI module: random and mutated AI.* commands never cost the connection.

Hypothesis starts from well-formed commands of every AI.* family (tensors, models, scripts,
execution, DAG, AI.INFO, AI.CONFIG, the workers' private commands) and mutates them: wrong arity,
unknown or miscased keywords, bad dtypes and devices, huge, negative or non-numeric numbers,
truncated or oversized blobs, random bytes, keys holding other types, shuffled options. Each
command goes raw over one socket. Every command must get a reply (a value or an error), the
connection must stay open, and afterwards the server answers PING and its process is alive.

Sizes are bounded: blobs are small, and a shape whose zero-filled tensor would be large is not
sent (the module accepts zero fills up to 4 GiB by design).
"""

from __future__ import annotations

import math
import os
import socket
import time
from collections.abc import Callable
from typing import Any

import hiredis
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.valgrind

UNDER_VALGRIND = os.environ.get("SMARTSIM_TEST_VALGRIND") == "1"
# Commands that may block the caller legitimately: execution queues a job when a worker serves
# the backend (the fuzzing connection itself may have said AI._WORKER.HELLO), and a worker parks
# on AI._WORKER.NEXT. When one of them blocks, the test checks the server from a second
# connection and goes on with a fresh one.
BLOCKING = {
    b"AI.MODELEXECUTE",
    b"AI.MODELRUN",
    b"AI.SCRIPTEXECUTE",
    b"AI.SCRIPTRUN",
    b"AI.DAGEXECUTE",
    b"AI.DAGEXECUTE_RO",
    b"AI.DAGRUN",
    b"AI.DAGRUN_RO",
    b"AI._WORKER.NEXT",
}
BLOCK_WAIT_S = 5.0 if UNDER_VALGRIND else 0.5
REPLY_TIMEOUT_S = 60.0 if UNDER_VALGRIND else 10.0

# Largest zero-filled tensor (elements) the test lets the server allocate.
MAX_ZERO_FILL_ELEMENTS = 1 << 16

# ---------------------------------------------------------------- keyspace of every example

KEYS = [b"t1", b"t2", b"str", b"list", b"hash", b"m1", b"s1", b"missing", b"{t}x"]
WRONG_TYPE_KEYS = [b"str", b"list", b"hash"]
SEED: list[tuple[bytes, ...]] = [
    (b"FLUSHALL",),
    (b"AI.TENSORSET", b"t1", b"FLOAT", b"2", b"2", b"VALUES", b"1", b"2", b"3", b"4"),
    (b"AI.TENSORSET", b"t2", b"INT8", b"3", b"BLOB", b"\x01\xff\x03"),
    (b"SET", b"str", b"x"),
    (b"RPUSH", b"list", b"a"),
    (b"HSET", b"hash", b"f", b"v"),
    (b"AI.MODELSTORE", b"m1", b"TORCH", b"CPU", b"BLOB", b"\x00model\x00"),
    (b"AI.SCRIPTSTORE", b"s1", b"CPU", b"ENTRY_POINTS", b"1", b"f", b"SOURCE", b"def f(a): return a"),
]

# ---------------------------------------------------------------- token vocabularies

DTYPES = {
    b"FLOAT": 4,
    b"DOUBLE": 8,
    b"INT8": 1,
    b"INT16": 2,
    b"INT32": 4,
    b"INT64": 8,
    b"UINT8": 1,
    b"UINT16": 2,
    b"BOOL": 1,
    b"STRING": 1,
}
BAD_DTYPES = [b"FLOAT16", b"INT128", b"UINT32", b"UINT64", b"", b"F", b"FLOAT ", b"\x00FLOAT", b"half"]
BACKENDS = [b"TF", b"TFLITE", b"TORCH", b"ONNX", b"torch", b"JAX", b""]
DEVICES = [b"CPU", b"GPU", b"cpu", b"GPU:0", b"CPU:1", b"GPU:12345", b"CPU:123456", b"CPU:", b"CPU::", b"bad"]
KEYWORDS = [
    b"BLOB", b"VALUES", b"META", b"SOURCE", b"INPUTS", b"OUTPUTS", b"TIMEOUT", b"TAG", b"BATCHSIZE",
    b"MINBATCHSIZE", b"MINBATCHTIMEOUT", b"ENTRY_POINTS", b"KEYS", b"ARGS", b"|>", b"LOAD", b"PERSIST",
    b"ROUTING", b"RESETSTAT", b"GET", b"BACKENDSPATH", b"LOADBACKEND", b"MODEL_CHUNK_SIZE",
]  # fmt: skip
NUMBERS = [
    b"0", b"1", b"2", b"3", b"-1", b"-0", b"01", b"+1", b" 1", b"1.5", b"3.0", b"1e3", b"nan", b"inf",
    b"-inf", b"0x10", b"", b"127", b"128", b"255", b"256", b"65536", b"2147483648", b"4294967296",
    b"1099511627776", b"9223372036854775807", b"9223372036854775808", b"-9223372036854775808",
    b"18446744073709551616", b"99999999999999999999999999",
]  # fmt: skip
COMMAND_NAMES = [
    *sorted(BLOCKING),
    b"AI.TENSORSET", b"AI.TENSORGET", b"AI.CONFIG", b"AI.MODELSTORE", b"AI.MODELSET", b"AI.MODELGET",
    b"AI.MODELDEL", b"AI._MODELSCAN", b"AI.SCRIPTSTORE", b"AI.SCRIPTSET", b"AI.SCRIPTGET",
    b"AI.SCRIPTDEL", b"AI._SCRIPTSCAN", b"AI.INFO", b"AI._WORKER.HELLO", b"AI._WORKER.MODEL",
    b"AI._WORKER.DONE", b"AI._WORKER.LIST", b"AI.NOSUCHCOMMAND",
]  # fmt: skip

keys = st.sampled_from(KEYS)
small_bytes = st.binary(max_size=48)
tokens = st.one_of(
    st.sampled_from(KEYWORDS), st.sampled_from(NUMBERS), keys, st.sampled_from(list(DTYPES)), small_bytes
)


def _num(n: int) -> bytes:
    return str(n).encode()


def _with_count(items: list[bytes]) -> list[bytes]:
    return [_num(len(items)), *items]


# ---------------------------------------------------------------- well-formed commands


@st.composite
def tensor_data(draw: st.DrawFn, dtype: bytes, dims: list[int]) -> list[bytes]:
    n = math.prod(dims)
    mode = draw(st.sampled_from(["blob", "values", "none"]))
    if mode == "none":
        return []
    if dtype == b"STRING":
        elements = draw(st.lists(st.binary(max_size=6), min_size=n, max_size=n))
        if mode == "blob":
            return [b"BLOB", b"".join(e + b"\x00" for e in elements)]
        return [b"VALUES", *elements]
    if mode == "blob":
        if dtype == b"BOOL":
            return [b"BLOB", bytes(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))]
        size = n * DTYPES[dtype]
        return [b"BLOB", draw(st.binary(min_size=size, max_size=size))]
    if dtype in (b"FLOAT", b"DOUBLE"):
        values = st.floats(allow_nan=False, width=32).map(lambda v: repr(v).encode())
    elif dtype == b"BOOL":
        values = st.integers(0, 1).map(_num)
    else:
        values = st.integers(0, 127).map(_num)
    return [b"VALUES", *draw(st.lists(values, min_size=n, max_size=n))]


@st.composite
def tensorset(draw: st.DrawFn) -> list[bytes]:
    dtype = draw(st.sampled_from(list(DTYPES)))
    dims = draw(st.lists(st.integers(1, 6), max_size=3))
    data = draw(tensor_data(dtype, dims))
    name = dtype.lower() if draw(st.booleans()) else dtype
    return [b"AI.TENSORSET", draw(keys), name, *map(_num, dims), *data]


@st.composite
def tensorget(draw: st.DrawFn) -> list[bytes]:
    options = draw(st.lists(st.sampled_from([b"META", b"BLOB", b"VALUES", b"meta"]), max_size=3))
    return [b"AI.TENSORGET", draw(keys), *options]


@st.composite
def config(draw: st.DrawFn) -> list[bytes]:
    return draw(
        st.sampled_from(
            [
                [b"AI.CONFIG", b"GET", b"BACKENDSPATH"],
                [b"AI.CONFIG", b"GET", b"MODEL_CHUNK_SIZE"],
                [b"AI.CONFIG", b"GET", b"NOSUCH"],
                [
                    b"AI.CONFIG",
                    b"MODEL_CHUNK_SIZE",
                    draw(st.sampled_from([b"1", b"7", b"1024", b"535822336"])),
                ],
                [b"AI.CONFIG", b"BACKENDSPATH", draw(st.sampled_from([b"/tmp/backends", b"rel/dir", b"/"]))],
                [b"AI.CONFIG", b"LOADBACKEND", draw(st.sampled_from(BACKENDS)), b"backend.so"],
            ]
        )
    )


def names(draw: st.DrawFn, max_size: int = 3) -> list[bytes]:
    return draw(st.lists(st.sampled_from([b"a", b"b", b"x:0", b"t1", b"t2"]), min_size=1, max_size=max_size))


@st.composite
def modelstore(draw: st.DrawFn) -> list[bytes]:
    name = draw(st.sampled_from([b"AI.MODELSTORE", b"AI.MODELSET"]))
    args = [name, draw(keys), draw(st.sampled_from(BACKENDS)), draw(st.sampled_from(DEVICES))]
    if draw(st.booleans()):
        args += [b"TAG", draw(small_bytes)]
    if draw(st.booleans()):
        args += [b"BATCHSIZE", draw(st.sampled_from(NUMBERS[:8]))]
        if draw(st.booleans()):
            args += [b"MINBATCHSIZE", draw(st.sampled_from(NUMBERS[:8]))]
            if draw(st.booleans()):
                args += [b"MINBATCHTIMEOUT", draw(st.sampled_from(NUMBERS[:8]))]
    if draw(st.booleans()):
        if name == b"AI.MODELSTORE":
            args += [b"INPUTS", *_with_count(names(draw)), b"OUTPUTS", *_with_count(names(draw))]
        else:
            args += [b"INPUTS", *names(draw), b"OUTPUTS", *names(draw)]
    return [*args, b"BLOB", *draw(st.lists(st.binary(max_size=256), min_size=1, max_size=3))]


@st.composite
def model_or_script_access(draw: st.DrawFn) -> list[bytes]:
    name = draw(st.sampled_from([b"AI.MODELGET", b"AI.MODELDEL", b"AI.SCRIPTGET", b"AI.SCRIPTDEL"]))
    options = draw(st.lists(st.sampled_from([b"META", b"BLOB", b"SOURCE"]), max_size=2))
    return [name, draw(keys), *options]


@st.composite
def modelexecute(draw: st.DrawFn) -> list[bytes]:
    key = draw(keys)
    timeout = [b"TIMEOUT", draw(st.sampled_from(NUMBERS[:8]))] if draw(st.booleans()) else []
    if draw(st.booleans()):
        return [b"AI.MODELEXECUTE", key, b"INPUTS", *_with_count(names(draw)), b"OUTPUTS",
                *_with_count(names(draw)), *timeout]  # fmt: skip
    return [b"AI.MODELRUN", key, *timeout, b"INPUTS", *names(draw), b"OUTPUTS", *names(draw)]


@st.composite
def scriptstore(draw: st.DrawFn) -> list[bytes]:
    source = draw(st.sampled_from([b"def f(a):\n    return a\n", b"", b"\x00\xff", b"def g(x): return x*2"]))
    tag = [b"TAG", draw(small_bytes)] if draw(st.booleans()) else []
    if draw(st.booleans()):
        return [b"AI.SCRIPTSET", draw(keys), draw(st.sampled_from(DEVICES)), *tag, b"SOURCE", source]
    entry_points = draw(st.lists(st.sampled_from([b"f", b"g", b"main"]), min_size=1, max_size=3))
    return [b"AI.SCRIPTSTORE", draw(keys), draw(st.sampled_from(DEVICES)), *tag, b"ENTRY_POINTS",
            *_with_count(entry_points), b"SOURCE", source]  # fmt: skip


@st.composite
def scriptexecute(draw: st.DrawFn) -> list[bytes]:
    key, fn = draw(keys), draw(st.sampled_from([b"f", b"g", b"nosuch"]))
    if draw(st.booleans()):
        args = [b"AI.SCRIPTEXECUTE", key, fn]
        for section in (b"KEYS", b"INPUTS", b"ARGS", b"OUTPUTS"):
            if draw(st.booleans()):
                args += [section, *_with_count(names(draw))]
    else:
        args = [b"AI.SCRIPTRUN", key, fn, b"INPUTS", *names(draw), b"OUTPUTS", *names(draw)]
    if draw(st.booleans()):
        args += [b"TIMEOUT", draw(st.sampled_from(NUMBERS[:8]))]
    return args


@st.composite
def dag(draw: st.DrawFn) -> list[bytes]:
    name = draw(st.sampled_from([b"AI.DAGEXECUTE", b"AI.DAGEXECUTE_RO", b"AI.DAGRUN", b"AI.DAGRUN_RO"]))
    args = [name]
    for section in draw(st.lists(st.sampled_from([b"LOAD", b"PERSIST", b"ROUTING", b"TIMEOUT"]), max_size=2)):
        if section in (b"LOAD", b"PERSIST"):
            args += [section, *_with_count(names(draw))]
        else:
            args += [section, draw(st.sampled_from([b"t1", b"{t}", b"100"]))]
    for op in draw(
        st.lists(st.one_of(tensorset(), tensorget(), modelexecute(), scriptexecute()), max_size=3)
    ):
        args += [b"|>", *op]
    return args


@st.composite
def info_and_scans(draw: st.DrawFn) -> list[bytes]:
    return draw(
        st.sampled_from(
            [
                [b"AI.INFO", draw(keys)],
                [b"AI.INFO", draw(keys), b"RESETSTAT"],
                [b"AI.INFO", draw(keys), b"other"],
                [b"AI._MODELSCAN"],
                [b"AI._SCRIPTSCAN"],
            ]
        )
    )


@st.composite
def worker(draw: st.DrawFn) -> list[bytes]:
    name = draw(
        st.sampled_from([b"AI._WORKER.HELLO", b"AI._WORKER.NEXT", b"AI._WORKER.MODEL", b"AI._WORKER.DONE",
                         b"AI._WORKER.LIST"])
    )  # fmt: skip
    if name == b"AI._WORKER.HELLO":
        return [name, draw(st.sampled_from(DEVICES)), *draw(st.lists(st.sampled_from(BACKENDS), max_size=3))]
    return [name, *draw(st.lists(tokens, max_size=5))]


well_formed = st.one_of(
    tensorset(),
    tensorget(),
    config(),
    modelstore(),
    model_or_script_access(),
    modelexecute(),
    scriptstore(),
    scriptexecute(),
    dag(),
    info_and_scans(),
    worker(),
)

# ---------------------------------------------------------------- mutations

Mutation = Callable[[st.DrawFn, list[bytes]], list[bytes]]


def _index(draw: st.DrawFn, args: list[bytes], start: int = 1) -> int:
    return draw(st.integers(start, max(start, len(args) - 1)))


def drop(draw: st.DrawFn, args: list[bytes]) -> list[bytes]:
    i = _index(draw, args)
    return args[:i] + args[i + 1 :]


def duplicate(draw: st.DrawFn, args: list[bytes]) -> list[bytes]:
    i = _index(draw, args)
    return args[: i + 1] + args[i:]


def insert(draw: st.DrawFn, args: list[bytes]) -> list[bytes]:
    i = draw(st.integers(1, len(args)))
    return [*args[:i], draw(tokens), *args[i:]]


def replace(draw: st.DrawFn, args: list[bytes]) -> list[bytes]:
    i = _index(draw, args)
    return [*args[:i], draw(tokens), *args[i + 1 :]]


def truncate(draw: st.DrawFn, args: list[bytes]) -> list[bytes]:
    return args[: draw(st.integers(1, len(args)))]


def swap(draw: st.DrawFn, args: list[bytes]) -> list[bytes]:
    if len(args) < 3:
        return args
    i, j = _index(draw, args), _index(draw, args)
    args = list(args)
    args[i], args[j] = args[j], args[i]
    return args


def shuffle_tail(draw: st.DrawFn, args: list[bytes]) -> list[bytes]:
    i = _index(draw, args)
    return args[:i] + draw(st.permutations(args[i:]))


def resize_blob(draw: st.DrawFn, args: list[bytes]) -> list[bytes]:
    """Truncate, extend, empty or double the longest argument (the blob, when there is one)."""
    if len(args) < 2:
        return args
    i = max(range(1, len(args)), key=lambda k: len(args[k]))
    blob = args[i]
    how = draw(st.sampled_from(["cut", "grow", "empty", "double"]))
    if how == "cut":
        blob = blob[: draw(st.integers(0, max(0, len(blob) - 1)))]
    elif how == "grow":
        blob += draw(st.binary(min_size=1, max_size=16))
    elif how == "empty":
        blob = b""
    else:
        blob *= 2
    return [*args[:i], blob, *args[i + 1 :]]


def wrong_type_key(draw: st.DrawFn, args: list[bytes]) -> list[bytes]:
    if len(args) < 2:
        return args
    return [args[0], draw(st.sampled_from(WRONG_TYPE_KEYS)), *args[2:]]


def rename(draw: st.DrawFn, args: list[bytes]) -> list[bytes]:
    """Another command's name (or this one's in other case) with these arguments."""
    name = draw(st.sampled_from(COMMAND_NAMES))
    if draw(st.booleans()):
        name = name.lower()
    return [name, *args[1:]]


def random_bytes(draw: st.DrawFn, args: list[bytes]) -> list[bytes]:
    return [args[0], *draw(st.lists(st.binary(max_size=32), max_size=8))]


MUTATIONS: list[Mutation] = [
    drop,
    duplicate,
    insert,
    replace,
    truncate,
    swap,
    shuffle_tail,
    resize_blob,
    wrong_type_key,
    rename,
    random_bytes,
]


@st.composite
def commands(draw: st.DrawFn) -> list[bytes]:
    args = draw(well_formed)
    for mutation in draw(st.lists(st.sampled_from(MUTATIONS), max_size=3)):
        args = mutation(draw, args)
    return args


# ---------------------------------------------------------------- the wire


def _strict_positive(token: bytes) -> int | None:
    return int(token) if token.isdigit() and token[:1] != b"0" else None


def is_bounded(args: list[bytes]) -> bool:
    """False when an AI.TENSORSET (alone or as a DAG op) would zero-fill a big tensor within the
    module's 4 GiB limit."""
    for start, token in enumerate(args):
        if token.upper() != b"AI.TENSORSET":
            continue
        elements, end = 1, None
        for dim_token in args[start + 3 :]:
            dim = _strict_positive(dim_token)
            if dim is None:
                end = dim_token.upper()
                break
            elements *= dim
        zero_fill = end in (None, b"|>")
        if zero_fill and MAX_ZERO_FILL_ELEMENTS < elements < 1 << 33:
            return False
    return True


def pack(args: list[bytes] | tuple[bytes, ...]) -> bytes:
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


class Blocked(Exception):
    """The command is still waiting for its reply after BLOCK_WAIT_S (allowed for BLOCKING)."""


class Connection:
    def __init__(self, server: Any) -> None:
        self.sock = socket.create_connection((server.host, server.port), timeout=REPLY_TIMEOUT_S)
        self.reader = hiredis.Reader()

    def call(self, args: list[bytes] | tuple[bytes, ...], block_wait: float | None = None) -> Any:
        """The reply to one command; ConnectionError when the server closes the connection."""
        self.send(args)
        return self.receive(args, block_wait)

    def send(self, args: list[bytes] | tuple[bytes, ...]) -> None:
        self.sock.sendall(pack(args))

    def receive(self, args: list[bytes] | tuple[bytes, ...], block_wait: float | None = None) -> Any:
        """The next reply; Blocked after block_wait seconds (if given), else TimeoutError."""
        deadline = time.monotonic() + (block_wait if block_wait is not None else REPLY_TIMEOUT_S)
        while True:
            reply = self.reader.gets()
            if reply is not False:
                return reply
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Blocked() if block_wait is not None else TimeoutError(f"no reply to {args!r:.300}")
            self.sock.settimeout(remaining)
            try:
                data = self.sock.recv(1 << 16)
            except TimeoutError:
                continue
            if not data:
                raise ConnectionError(f"server closed the connection after {args!r:.300}")
            self.reader.feed(data)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def fuzz_server(ai_server_factory: Any) -> Any:
    return ai_server_factory()


# Fewer examples under valgrind (CI time); SMARTSIM_FUZZ_EXAMPLES for long local hunts.
_examples = int(
    os.environ.get("SMARTSIM_FUZZ_EXAMPLES", 40 if UNDER_VALGRIND else settings.default.max_examples)
)


@settings(
    max_examples=_examples,
    # One server serves every example; each example starts from the SEED keyspace.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(commands(), min_size=1, max_size=6))
def test_every_command_gets_a_reply_and_the_server_survives(
    fuzz_server: Any, batch: list[list[bytes]]
) -> None:
    if not fuzz_server.is_running():
        # An earlier example killed it (and failed): start again, so that shrinking replays each
        # candidate against a live server. The log keeps the crash report.
        fuzz_server.restart()
    connection = Connection(fuzz_server)
    try:
        for command in SEED:
            connection.call(command)
        for args in batch:
            if not is_bounded(args):
                event("skipped: large zero fill")
                continue
            blocking = args[0].upper() in BLOCKING
            try:
                reply = connection.call(args, BLOCK_WAIT_S if blocking else None)
            except Blocked:
                event(f"blocked: {args[0].upper().decode()}")
                check_alive(fuzz_server)
                connection.close()
                connection = Connection(fuzz_server)
                continue
            except (ConnectionError, TimeoutError) as err:
                pytest.fail(f"{err}\nserver log tail:\n{fuzz_server.log_text()[-3000:]}")
            event("error reply" if isinstance(reply, hiredis.ReplyError) else "value reply")
        assert connection.call((b"PING",)) == b"PONG"
    finally:
        connection.close()
    check_alive(fuzz_server)


def check_alive(server: Any) -> None:
    assert server.is_running(), f"server exited:\n{server.log_text()[-3000:]}"
    probe = Connection(server)
    try:
        assert probe.call((b"PING",)) == b"PONG"
    finally:
        probe.close()


def test_bounded_sizes_filter() -> None:
    assert is_bounded([b"AI.TENSORSET", b"k", b"FLOAT", b"4", b"4"])
    assert not is_bounded([b"AI.TENSORSET", b"k", b"INT8", b"4294967296"])
    assert is_bounded([b"AI.TENSORSET", b"k", b"INT8", b"1099511627776", b"1099511627776"])
    assert is_bounded([b"AI.TENSORSET", b"k", b"FLOAT", b"100000", b"BLOB", b""])
    assert is_bounded([b"AI.TENSORGET", b"k"])
    assert not is_bounded([b"AI.DAGEXECUTE", b"|>", b"ai.tensorset", b"k", b"INT8", b"65536", b"2"])


# ---------------------------------------------------------------- execution through a worker

# How long a caller's reply may take before the test assumes its job is queued.
QUEUED_AFTER_S = 0.5 if UNDER_VALGRIND else 0.05


@st.composite
def executions(draw: st.DrawFn) -> list[bytes]:
    """Executions of the seeded model and script, mostly well formed, sometimes mutated."""
    inputs = st.lists(st.sampled_from([b"t1", b"t1", b"t2", b"missing", b"str"]), min_size=1, max_size=2)
    outputs = st.lists(st.sampled_from([b"o1", b"o2", b"{t}o", b"list"]), min_size=1, max_size=2)
    timeout = [b"TIMEOUT", draw(st.sampled_from([b"1", b"100", b"5000"]))] if draw(st.booleans()) else []
    kind = draw(st.sampled_from(["modelexecute", "modelrun", "scriptexecute", "scriptrun"]))
    if kind == "modelexecute":
        args = [b"AI.MODELEXECUTE", b"m1", b"INPUTS", *_with_count(draw(inputs)), b"OUTPUTS",
                *_with_count(draw(outputs)), *timeout]  # fmt: skip
    elif kind == "modelrun":
        args = [b"AI.MODELRUN", b"m1", *timeout, b"INPUTS", *draw(inputs), b"OUTPUTS", *draw(outputs)]
    elif kind == "scriptexecute":
        args = [b"AI.SCRIPTEXECUTE", b"s1", b"f", b"KEYS", b"1", b"{t}", b"INPUTS",
                *_with_count(draw(inputs)), b"OUTPUTS", *_with_count(draw(outputs)), *timeout]  # fmt: skip
    else:
        args = [b"AI.SCRIPTRUN", b"s1", b"f", b"INPUTS", *draw(inputs), b"OUTPUTS", *draw(outputs)]
    for mutation in draw(st.lists(st.sampled_from(MUTATIONS[:-3]), max_size=1)):
        args = mutation(draw, args)
    return args


def echo_done(run: list[Any]) -> list[bytes]:
    """AI._WORKER.DONE that answers every request of a run with copies of its first input."""
    fields = dict(zip(run[0::2], run[1::2], strict=True))
    done = [b"AI._WORKER.DONE", _num(fields[b"run"]), b"OK", b"7"]
    for request in fields[b"requests"]:
        job = dict(zip(request[0::2], request[1::2], strict=True))
        dtype, dims, blob = job[b"inputs"][0] if job[b"inputs"] else (b"FLOAT", [1], bytes(4))
        done.append(_num(job[b"noutputs"]))
        for _ in range(job[b"noutputs"]):
            done += [dtype, _num(len(dims)), *map(_num, dims), blob]
    return done


@settings(
    max_examples=_examples,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_executions_through_a_fuzzed_worker(fuzz_server: Any, data: st.DataObject) -> None:
    """A worker that answers well, wrongly, with an error or not at all never costs the caller
    its reply (unless its job is still legitimately queued) nor the server its life."""
    if not fuzz_server.is_running():
        fuzz_server.restart()
    caller, worker = Connection(fuzz_server), Connection(fuzz_server)
    try:
        for command in SEED:
            caller.call(command)
        worker.call((b"AI._WORKER.HELLO", b"CPU", b"TORCH"))
        args = data.draw(executions(), label="execution")
        caller.send(args)
        try:
            reply = caller.receive(args, QUEUED_AFTER_S)
            event("answered without a worker")
        except Blocked:
            run = worker.call((b"AI._WORKER.NEXT", b"1000"))
            fate = data.draw(st.sampled_from(["done", "error", "disconnect"]), label="worker")
            event(f"worker: {fate}")
            if isinstance(run, list) and fate == "disconnect":
                worker.close()
            elif isinstance(run, list):
                done = (
                    echo_done(run)
                    if fate == "done"
                    else [b"AI._WORKER.DONE", _num(run[1]), b"ERR", b"0", b"x"]
                )
                for mutation in data.draw(
                    st.lists(st.sampled_from(MUTATIONS[:-3]), max_size=2), label="mutations"
                ):
                    done = mutation(data.draw, done)
                worker.call(done)
            try:
                reply = caller.receive(args, BLOCK_WAIT_S)
            except Blocked:
                # The worker took the job and said nothing valid: its connection going away ends it.
                worker.close()
                try:
                    reply = caller.receive(args, BLOCK_WAIT_S)
                except Blocked:
                    event("caller still blocked after the worker left")
                    reply = None
        event("caller: error" if isinstance(reply, hiredis.ReplyError) else "caller: value")
    except (ConnectionError, TimeoutError) as err:
        pytest.fail(f"{err}\nserver log tail:\n{fuzz_server.log_text()[-3000:]}")
    finally:
        caller.close()
        worker.close()
    check_alive(fuzz_server)
