"""AI.TENSORSET / AI.TENSORGET against a real server with the AI module loaded.

Replies and error strings are those of the RedisAI 1.2 command surface. Errors are read from the
wire (``wire_error``) so the exact text, including its ``ERR `` prefix, is asserted.
"""

from __future__ import annotations

import socket
from typing import Any

import numpy as np
import pytest

NUMERIC_DTYPES = {
    "FLOAT": np.float32,
    "DOUBLE": np.float64,
    "INT8": np.int8,
    "INT16": np.int16,
    "INT32": np.int32,
    "INT64": np.int64,
    "UINT8": np.uint8,
    "UINT16": np.uint16,
    "BOOL": np.bool_,
}
FLOAT_DTYPES = {"FLOAT", "DOUBLE"}

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
ERR_SHAPE = "ERR invalid or negative value found in tensor shape"
ERR_BLOB_ARITY = "ERR a single binary string should come after the BLOB argument in 'AI.TENSORSET' command"
ERR_VALUES_COUNT = "ERR wrong number of values was given in 'AI.TENSORSET' command"
ERR_DATA_LENGTH = "ERR data length does not match tensor shape and type"
ERR_BOOL = "ERR BOOL tensor elements must be 0 or 1"
ERR_STRING_COUNT = "ERR Number of string elements in data blob does not match tensor length"
ERR_VALUE = "ERR invalid value"
ERR_CSTRING = "ERR C-string value contains null character"


# ---------------------------------------------------------------- helpers


def _pack(args: tuple[Any, ...]) -> bytes:
    parts = [a if isinstance(a, bytes) else str(a).encode() for a in args]
    return b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)


def wire_reply(server: Any, *args: Any, protocol: int = 2) -> bytes:
    """The raw RESP bytes of the reply to one command, sent on a fresh connection.

    A PING after the command marks the end of its reply; with protocol 3 a HELLO 3 (and a PING
    to mark the end of its reply) goes first.
    """
    sentinel = b"+PONG\r\n"
    commands: list[tuple[Any, ...]] = [("HELLO", 3), ("PING",)] if protocol == 3 else []
    commands += [args, ("PING",)]
    with socket.create_connection((server.host, server.port), timeout=30) as sock:
        sock.sendall(b"".join(_pack(c) for c in commands))
        data = b""
        while not (data.endswith(sentinel) and data.count(sentinel) >= len(commands) // 2):
            chunk = sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError(f"connection closed after {data[:200]!r}")
            data += chunk
    if protocol == 3:
        data = data.split(sentinel, 1)[1]
    return data[: -len(sentinel)]


def wire_error(server: Any, *args: Any) -> str:
    """The exact error text the server sends for a command (fails if the reply is not an error)."""
    reply = wire_reply(server, *args)
    assert reply.startswith(b"-") and reply.endswith(b"\r\n"), f"expected an error, got {reply[:200]!r}"
    return reply[1:-2].decode()


def floats(values: list[Any]) -> list[float]:
    """Double replies: bulk strings with RESP2, native doubles with RESP3."""
    return [float(v) for v in values]


def meta(dtype: str, shape: list[int]) -> list[Any]:
    return [b"dtype", dtype.encode(), b"shape", shape]


def sample(dtype: str) -> np.ndarray:
    """A 2x3 array that exercises the extremes of each numeric dtype."""
    np_type = NUMERIC_DTYPES[dtype]
    if dtype == "BOOL":
        return np.array([[True, False, True], [True, False, False]])
    if dtype in FLOAT_DTYPES:
        finfo = np.finfo(np_type)
        return np.array([[1.5, -2.25, 3.1], [0.0, finfo.max, finfo.tiny]], dtype=np_type)
    info = np.iinfo(np_type)
    return np.array([[info.min, -1 if info.min < 0 else 7, 0], [1, 42, info.max]], dtype=np_type)


def as_python(values: np.ndarray, dtype: str) -> list[Any]:
    flat = values.reshape(-1)
    if dtype in FLOAT_DTYPES:
        return [float(v) for v in flat]
    return [int(v) for v in flat]


# ---------------------------------------------------------------- round trips


@pytest.mark.parametrize("dtype", list(NUMERIC_DTYPES))
def test_blob_round_trip_every_numeric_dtype(ai_server: Any, dtype: str) -> None:
    r = ai_server.client()
    array = sample(dtype)
    assert r.execute_command("AI.TENSORSET", "t", dtype, 2, 3, "BLOB", array.tobytes()) == b"OK"

    assert r.execute_command("AI.TENSORGET", "t", "BLOB") == array.tobytes()
    assert r.execute_command("AI.TENSORGET", "t", "META", "BLOB") == [
        *meta(dtype, [2, 3]),
        b"blob",
        array.tobytes(),
    ]
    assert r.execute_command("AI.TENSORGET", "t") == [*meta(dtype, [2, 3]), b"blob", array.tobytes()]

    values = r.execute_command("AI.TENSORGET", "t", "VALUES")
    if dtype in FLOAT_DTYPES:
        assert floats(values) == as_python(array, dtype)
    else:
        assert values == as_python(array, dtype)
    assert r.type("t") == b"AI_TENSOR"


@pytest.mark.parametrize("dtype", list(NUMERIC_DTYPES))
def test_values_round_trip_every_numeric_dtype(ai_server: Any, dtype: str) -> None:
    r = ai_server.client()
    np_type = NUMERIC_DTYPES[dtype]
    if dtype in FLOAT_DTYPES:
        tokens = ["1.5", "-2.25", "3.1", "0", "1e-3", "-7"]
        expected = np.array([float(t) for t in tokens], dtype=np_type)
    elif dtype == "BOOL":
        tokens = ["1", "0", "1", "1", "0", "0"]
        expected = np.array([int(t) for t in tokens], dtype=np_type)
    else:
        top = np.iinfo(np_type).max
        tokens = ["0", "1", "2", "100", "7", str(top)]
        expected = np.array([int(t) for t in tokens], dtype=np_type)

    assert r.execute_command("AI.TENSORSET", "t", dtype, 3, 2, "VALUES", *tokens) == b"OK"
    assert r.execute_command("AI.TENSORGET", "t", "BLOB") == expected.tobytes()
    reply = r.execute_command("AI.TENSORGET", "t", "META", "VALUES")
    assert reply[:4] == meta(dtype, [3, 2])
    assert reply[4] == b"values"
    if dtype in FLOAT_DTYPES:
        assert floats(reply[5]) == as_python(expected, dtype)
    else:
        assert reply[5] == as_python(expected, dtype)


def test_float_values_reply_as_doubles_on_the_wire(ai_server: Any) -> None:
    r = ai_server.client()
    r.execute_command("AI.TENSORSET", "t", "FLOAT", 2, 2, "VALUES", 2, 3, 2, 3)
    head = b"*6\r\n$5\r\ndtype\r\n$5\r\nFLOAT\r\n$5\r\nshape\r\n*2\r\n:2\r\n:2\r\n$6\r\nvalues\r\n"
    assert wire_reply(ai_server, "AI.TENSORGET", "t", "META", "VALUES") == (
        head + b"*4\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n3\r\n"
    )
    assert wire_reply(ai_server, "AI.TENSORGET", "t", "META", "VALUES", protocol=3) == (
        head + b"*4\r\n,2\r\n,3\r\n,2\r\n,3\r\n"
    )

    r.execute_command("AI.TENSORSET", "f", "FLOAT", 1, "VALUES", "1.1")
    # float32(1.1) widened to double, not 1.1 itself
    (value,) = r.execute_command("AI.TENSORGET", "f", "VALUES")
    assert float(value) == float(np.float32(1.1)) != 1.1


def test_integer_and_string_values_on_the_wire(ai_server: Any) -> None:
    r = ai_server.client()
    r.execute_command("AI.TENSORSET", "i", "INT32", 2, "VALUES", 1, 2)
    assert wire_reply(ai_server, "AI.TENSORGET", "i", "VALUES") == b"*2\r\n:1\r\n:2\r\n"
    r.execute_command("AI.TENSORSET", "s", "STRING", 2, "VALUES", "ab", "c")
    assert wire_reply(ai_server, "AI.TENSORGET", "s", "VALUES") == b"*2\r\n$2\r\nab\r\n$1\r\nc\r\n"
    assert wire_reply(ai_server, "AI.TENSORGET", "s", "BLOB") == b"$5\r\nab\x00c\x00\r\n"
    r.execute_command("AI.TENSORSET", "z", "BOOL", "VALUES", 1)
    assert wire_reply(ai_server, "AI.TENSORGET", "z", "META") == (
        b"*4\r\n$5\r\ndtype\r\n$4\r\nBOOL\r\n$5\r\nshape\r\n*0\r\n"
    )


def test_negative_integers_round_trip_through_blob(ai_server: Any) -> None:
    r = ai_server.client()
    array = np.array([-1, -128, 127], dtype=np.int8)
    r.execute_command("AI.TENSORSET", "t", "INT8", 3, "BLOB", array.tobytes())
    assert r.execute_command("AI.TENSORGET", "t", "VALUES") == [-1, -128, 127]


def test_string_tensor_from_values(ai_server: Any) -> None:
    r = ai_server.client()
    words = ["hello", "ünïcødé", "x"]
    # one trailing NUL on an element is tolerated and stripped
    assert (
        r.execute_command("AI.TENSORSET", "s", "STRING", 3, "VALUES", words[0], words[1], b"x\x00") == b"OK"
    )
    blob = b"".join(w.encode() + b"\x00" for w in words)
    assert r.execute_command("AI.TENSORGET", "s", "BLOB") == blob
    assert r.execute_command("AI.TENSORGET", "s", "META", "VALUES") == [
        *meta("STRING", [3]),
        b"values",
        [w.encode() for w in words],
    ]


def test_string_tensor_from_blob(ai_server: Any) -> None:
    r = ai_server.client()
    blob = b"a\x00bc\x00\x00def\x00"
    assert r.execute_command("AI.TENSORSET", "s", "STRING", 2, 2, "BLOB", blob) == b"OK"
    assert r.execute_command("AI.TENSORGET", "s", "VALUES") == [b"a", b"bc", b"", b"def"]
    assert r.execute_command("AI.TENSORGET", "s") == [*meta("STRING", [2, 2]), b"blob", blob]


def test_zero_dimensional_tensor(ai_server: Any) -> None:
    r = ai_server.client()
    assert r.execute_command("AI.TENSORSET", "scalar", "FLOAT", "VALUES", 7) == b"OK"
    reply = r.execute_command("AI.TENSORGET", "scalar", "META", "VALUES")
    assert reply[:5] == [*meta("FLOAT", []), b"values"]
    assert floats(reply[5]) == [7.0]
    assert r.execute_command("AI.TENSORGET", "scalar", "BLOB") == np.float32(7).tobytes()

    r.execute_command("AI.TENSORSET", "blob_scalar", "INT64", "BLOB", np.int64(-5).tobytes())
    assert r.execute_command("AI.TENSORGET", "blob_scalar", "META", "VALUES") == [
        *meta("INT64", []),
        b"values",
        [-5],
    ]

    # a 0-d tensor needs data: without it the command is too short
    assert wire_error(ai_server, "AI.TENSORSET", "zero_scalar", "DOUBLE") == (
        "ERR wrong number of arguments for 'AI.TENSORSET' command"
    )


def test_zero_filled_tensors(ai_server: Any) -> None:
    r = ai_server.client()
    assert r.execute_command("AI.TENSORSET", "z", "FLOAT", 2, 3) == b"OK"
    assert r.execute_command("AI.TENSORGET", "z") == [*meta("FLOAT", [2, 3]), b"blob", bytes(24)]
    assert floats(r.execute_command("AI.TENSORGET", "z", "VALUES")) == [0.0] * 6

    r.execute_command("AI.TENSORSET", "zi", "INT16", 4)
    assert r.execute_command("AI.TENSORGET", "zi", "VALUES") == [0, 0, 0, 0]

    r.execute_command("AI.TENSORSET", "zs", "STRING", 3)
    assert r.execute_command("AI.TENSORGET", "zs", "BLOB") == b"\x00\x00\x00"
    assert r.execute_command("AI.TENSORGET", "zs", "VALUES") == [b"", b"", b""]


def test_tensorget_option_combinations(ai_server: Any) -> None:
    r = ai_server.client()
    array = np.arange(6, dtype=np.int32).reshape(2, 3)
    r.execute_command("AI.TENSORSET", "t", "int32", 2, 3, "blob", array.tobytes())  # case-insensitive
    head = meta("INT32", [2, 3])
    values = [0, 1, 2, 3, 4, 5]

    cases: list[tuple[tuple[str, ...], Any]] = [
        ((), [*head, b"blob", array.tobytes()]),
        (("META",), head),
        (("META", "META"), head),
        (("BLOB",), array.tobytes()),
        (("BLOB", "BLOB"), array.tobytes()),
        (("VALUES",), values),
        (("META", "BLOB"), [*head, b"blob", array.tobytes()]),
        (("BLOB", "META"), [*head, b"blob", array.tobytes()]),
        (("META", "VALUES"), [*head, b"values", values]),
        (("values", "Meta"), [*head, b"values", values]),
    ]
    for options, expected in cases:
        assert r.execute_command("AI.TENSORGET", "t", *options) == expected, options


def test_tensorset_replaces_and_failed_set_keeps_old_value(ai_server: Any) -> None:
    r = ai_server.client()
    r.execute_command("AI.TENSORSET", "t", "FLOAT", 2, "VALUES", 1, 2)
    r.execute_command("AI.TENSORSET", "t", "UINT8", 3, "VALUES", 1, 2, 3)
    assert r.execute_command("AI.TENSORGET", "t", "META", "VALUES") == [
        *meta("UINT8", [3]),
        b"values",
        [1, 2, 3],
    ]

    assert wire_error(ai_server, "AI.TENSORSET", "t", "FLOAT", 2, "VALUES", 1, "x") == ERR_VALUE
    assert wire_error(ai_server, "AI.TENSORSET", "new", "FLOAT", 2, "BLOB", b"123") == ERR_DATA_LENGTH
    assert r.execute_command("AI.TENSORGET", "t", "VALUES") == [1, 2, 3]
    assert r.exists("new") == 0


def test_many_dimensions(ai_server: Any) -> None:
    r = ai_server.client()
    shape = [1] * 300 + [2]
    assert r.execute_command("AI.TENSORSET", "t", "INT8", *shape, "VALUES", 3, 4) == b"OK"
    assert r.execute_command("AI.TENSORGET", "t", "META") == meta("INT8", shape)


def test_large_blob_is_not_copied_twice(ai_server: Any) -> None:
    r = ai_server.client()
    data = np.random.default_rng(0).random(1024 * 1024, dtype=np.float32)  # 4 MiB
    r.execute_command("AI.TENSORSET", "big", "FLOAT", data.size, "BLOB", data.tobytes())
    assert r.execute_command("AI.TENSORGET", "big", "BLOB") == data.tobytes()
    usage = r.memory_usage("big")
    assert data.nbytes <= usage < data.nbytes + 4096


def test_flushall_async_releases_tensors(ai_server: Any) -> None:
    r = ai_server.client()
    for i in range(50):
        r.execute_command("AI.TENSORSET", f"t{i}", "DOUBLE", 1000, "BLOB", np.zeros(1000).tobytes())
    assert r.flushall(asynchronous=True)
    assert r.dbsize() == 0
    assert r.ping()


def test_command_metadata(ai_server: Any) -> None:
    r = ai_server.client()
    for command in (("AI.TENSORSET", "k", "FLOAT", 1, "VALUES", 1), ("AI.TENSORGET", "k", "META")):
        keys = r.command_getkeys(*command)
        assert [k.decode() if isinstance(k, bytes) else k for k in keys] == ["k"]
    info = r.command()
    tensorset, tensorget = info["AI.TENSORSET"], info["AI.TENSORGET"]
    assert {"write", "denyoom"} <= set(tensorset["flags"])
    assert "readonly" in tensorget["flags"]
    for entry in (tensorset, tensorget):
        assert (entry["first_key_pos"], entry["last_key_pos"], entry["step_count"]) == (1, 1, 1)


# ---------------------------------------------------------------- TENSORSET errors


def test_tensorset_arity(ai_server: Any) -> None:
    expected = "ERR wrong number of arguments for 'AI.TENSORSET' command"
    assert wire_error(ai_server, "AI.TENSORSET") == expected
    assert wire_error(ai_server, "AI.TENSORSET", "k") == expected
    assert wire_error(ai_server, "AI.TENSORSET", "k", "FLOAT") == expected


def test_tensorset_wrongtype_comes_first(ai_server: Any) -> None:
    r = ai_server.client()
    r.set("s", "plain string")
    r.rpush("l", "x")
    assert wire_error(ai_server, "AI.TENSORSET", "s", "FLOAT", 1, "VALUES", 1) == WRONGTYPE
    assert wire_error(ai_server, "AI.TENSORSET", "s", "NOTATYPE", 1) == WRONGTYPE
    assert wire_error(ai_server, "AI.TENSORSET", "l", "FLOAT", 0) == WRONGTYPE
    assert r.get("s") == b"plain string"


@pytest.mark.parametrize("dtype", ["FLOAT16", "UINT32", "UINT64", "BFLOAT16", "float32", "", "FLOATX"])
def test_tensorset_invalid_dtype(ai_server: Any, dtype: str) -> None:
    assert wire_error(ai_server, "AI.TENSORSET", "k", dtype, 1, "VALUES", 1) == "ERR invalid data type"


@pytest.mark.parametrize("token", ["0", "-1", "1.5", "abc", "+1", "01", " 1", ""])
def test_tensorset_invalid_shape_token(ai_server: Any, token: str) -> None:
    assert wire_error(ai_server, "AI.TENSORSET", "k", "FLOAT", 2, token, "VALUES", 1, 2) == ERR_SHAPE


@pytest.mark.parametrize(
    "tail",
    [
        ["BLOB"],
        [1, "BLOB"],
        [1, "BLOB", b"abcd", b"efgh"],
        ["BLOB", b"a", "VALUES", 1],
    ],
)
def test_tensorset_blob_needs_exactly_one_argument(ai_server: Any, tail: list[Any]) -> None:
    assert wire_error(ai_server, "AI.TENSORSET", "k", "FLOAT", *tail) == ERR_BLOB_ARITY


@pytest.mark.parametrize(
    "tail",
    [
        [2, "VALUES", 1],
        [2, "VALUES", 1, 2, 3],
        [2, "VALUES"],
        ["VALUES"],
        ["VALUES", 1, 2],
        [1, "VALUES", 1, "BLOB", b"abcd"],
    ],
)
def test_tensorset_values_count(ai_server: Any, tail: list[Any]) -> None:
    assert wire_error(ai_server, "AI.TENSORSET", "k", "FLOAT", *tail) == ERR_VALUES_COUNT


@pytest.mark.parametrize(
    ("dtype", "shape", "blob"),
    [
        ("FLOAT", [2], b"\x00" * 7),
        ("FLOAT", [2], b"\x00" * 9),
        ("FLOAT", [4], b"\x00" * 15),  # truncated
        ("DOUBLE", [], b"\x00" * 4),
        ("INT16", [3, 3], b"\x00" * 9),
        ("UINT8", [2], b""),
        ("FLOAT", [1], b"VALUES"),
    ],
)
def test_tensorset_blob_length_mismatch(ai_server: Any, dtype: str, shape: list[int], blob: bytes) -> None:
    assert wire_error(ai_server, "AI.TENSORSET", "k", dtype, *shape, "BLOB", blob) == ERR_DATA_LENGTH


@pytest.mark.parametrize("blob", [b"\x02\x00\x01", b"\x00\xff\x01", b"\x01\x00\x02"])
def test_tensorset_bool_blob_bytes(ai_server: Any, blob: bytes) -> None:
    # Every byte is checked, the last one included.
    assert wire_error(ai_server, "AI.TENSORSET", "k", "BOOL", 3, "BLOB", blob) == ERR_BOOL


@pytest.mark.parametrize(
    ("shape", "blob"),
    [
        ([2], b"ab\x00cd"),  # no final NUL
        ([3], b"a\x00b\x00"),  # too few elements
        ([1], b"a\x00b\x00"),  # too many elements
        ([1], b""),
        ([2, 2], b"\x00\x00\x00"),
    ],
)
def test_tensorset_string_blob(ai_server: Any, shape: list[int], blob: bytes) -> None:
    assert wire_error(ai_server, "AI.TENSORSET", "k", "STRING", *shape, "BLOB", blob) == ERR_STRING_COUNT


@pytest.mark.parametrize(
    ("dtype", "value"),
    [
        ("INT8", "128"),
        ("INT8", "-1"),  # RedisAI rejects every negative VALUES entry of a signed type
        ("INT16", "32768"),
        ("INT16", "-5"),
        ("INT32", "2147483648"),
        ("INT64", "-1"),
        ("INT64", "9223372036854775808"),
        ("UINT8", "256"),
        ("UINT8", "-1"),
        ("UINT16", "65536"),
        ("BOOL", "2"),
        ("BOOL", "-1"),
        ("INT32", "1.5"),
        ("INT32", "abc"),
        ("INT32", " 1"),
        ("FLOAT", "abc"),
        ("FLOAT", "nan"),
        ("DOUBLE", "1.5x"),
        ("DOUBLE", ""),
    ],
)
def test_tensorset_values_out_of_range_or_invalid(ai_server: Any, dtype: str, value: str) -> None:
    assert wire_error(ai_server, "AI.TENSORSET", "k", dtype, 2, "VALUES", 1, value) == ERR_VALUE


def test_tensorset_negative_values_quirk_spec_example(ai_server: Any) -> None:
    assert wire_error(ai_server, "AI.TENSORSET", "z", "INT8", 2, "VALUES", -1, -128) == ERR_VALUE


@pytest.mark.parametrize("element", [b"a\x00b", b"ab\x00\x00", b"\x00a", b""])
def test_tensorset_string_values_with_nul(ai_server: Any, element: bytes) -> None:
    assert wire_error(ai_server, "AI.TENSORSET", "k", "STRING", 2, "VALUES", "ok", element) == ERR_CSTRING


@pytest.mark.parametrize(
    ("args", "error"),
    [
        # zero-filled tensors are sized by the shape alone
        (["FLOAT", 100000, 100000, 100000], ERR_SHAPE),
        (["FLOAT", 9223372036854775807, 9223372036854775807], ERR_SHAPE),
        (["DOUBLE", 1 << 30], ERR_SHAPE),
        (["STRING", 1000000000, 10], ERR_SHAPE),
        # products that overflow 64 bits must not wrap around to a matching length or count
        (["INT8", 1 << 32, 1 << 32, "BLOB", b"x"], ERR_DATA_LENGTH),
        (["FLOAT", 1 << 62, 4, "BLOB", b""], ERR_DATA_LENGTH),
        (["FLOAT", (1 << 62) + 1, 4, "BLOB", b"\x00" * 16], ERR_DATA_LENGTH),
        (["FLOAT", (1 << 62) + 1, 4, "VALUES", 1, 2, 3, 4], ERR_VALUES_COUNT),
        (["STRING", (1 << 62) + 1, 4, "BLOB", b"a\x00b\x00c\x00d\x00"], ERR_STRING_COUNT),
        (["FLOAT", 9223372036854775808, "VALUES", 1], ERR_SHAPE),
    ],
)
def test_huge_shapes_are_refused_without_harm(ai_server: Any, args: list[Any], error: str) -> None:
    assert wire_error(ai_server, "AI.TENSORSET", "k", *args) == error
    r = ai_server.client()
    assert r.ping()
    assert r.exists("k") == 0


# ---------------------------------------------------------------- TENSORGET errors


def test_tensorget_arity(ai_server: Any) -> None:
    r = ai_server.client()
    r.execute_command("AI.TENSORSET", "t", "FLOAT", 1, "VALUES", 1)
    expected = "ERR wrong number of arguments for 'AI.TENSORGET' command"
    assert wire_error(ai_server, "AI.TENSORGET") == expected
    assert wire_error(ai_server, "AI.TENSORGET", "t", "META", "BLOB", "META") == expected


def test_tensorget_missing_key_and_wrongtype(ai_server: Any) -> None:
    r = ai_server.client()
    r.set("s", "x")
    assert wire_error(ai_server, "AI.TENSORGET", "nokey") == "ERR tensor key is empty or in a different shard"
    # key checks come before option checks
    assert (
        wire_error(ai_server, "AI.TENSORGET", "nokey", "BOGUS")
        == "ERR tensor key is empty or in a different shard"
    )
    assert wire_error(ai_server, "AI.TENSORGET", "s", "META") == WRONGTYPE
    assert wire_error(ai_server, "AI.TENSORGET", "s", "BOGUS") == WRONGTYPE


def test_tensorget_option_errors(ai_server: Any) -> None:
    r = ai_server.client()
    r.execute_command("AI.TENSORSET", "t", "FLOAT", 1, "VALUES", 1)
    assert wire_error(ai_server, "AI.TENSORGET", "t", "BOGUS") == "ERR unsupported data format"
    assert wire_error(ai_server, "AI.TENSORGET", "t", "META", "SHAPE") == "ERR unsupported data format"
    assert wire_error(ai_server, "AI.TENSORGET", "t", "BLOB", "X") == "ERR unsupported data format"
    assert (
        wire_error(ai_server, "AI.TENSORGET", "t", "BLOB", "VALUES") == "ERR both BLOB and VALUES specified"
    )
    assert (
        wire_error(ai_server, "AI.TENSORGET", "t", "values", "blob") == "ERR both BLOB and VALUES specified"
    )


def test_server_survives_a_burst_of_bad_commands(ai_server: Any) -> None:
    r = ai_server.client()
    bad: list[list[Any]] = [
        ["AI.TENSORSET", "k", "FLOAT", -3],
        ["AI.TENSORSET", "k", "STRING", 2, "BLOB", b"\x00"],
        ["AI.TENSORSET", "k", "BOOL", 2, "VALUES", 1, 9],
        ["AI.TENSORSET", "k", "INT64", 1 << 40, 1 << 40],
        ["AI.TENSORGET", "k", "VALUES", "BLOB"],
    ]
    pipe = r.pipeline(transaction=False)
    for _ in range(20):
        for command in bad:
            pipe.execute_command(*command)
    results = pipe.execute(raise_on_error=False)
    assert all(isinstance(result, Exception) for result in results)
    assert r.ping()
