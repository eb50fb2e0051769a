"""AI.SCRIPTSTORE / SCRIPTSET / SCRIPTGET / SCRIPTDEL / _SCRIPTSCAN against a real server.

Scripts are stored without compiling (workers compile them at execution time), so only the
grammar of RedisAI 1.2 is checked here, with its exact error strings and reply shapes.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
ERR_ENTRY_POINTS = "ERR Insufficient arguments, missing script entry points"
ERR_SOURCE = "ERR Insufficient arguments, missing script SOURCE"
SOURCE = "def bar(tensors: List[Tensor], keys: List[str], args: List[str]):\n    return tensors[0]\n"


def _pack(args: tuple[Any, ...]) -> bytes:
    parts = [a if isinstance(a, bytes) else str(a).encode() for a in args]
    return b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)


def wire_error(server: Any, *args: Any) -> str:
    """The exact error text the server sends for a command (fails if the reply is not an error)."""
    sentinel = b"+PONG\r\n"
    with socket.create_connection((server.host, server.port), timeout=30) as sock:
        sock.sendall(_pack(args) + _pack(("PING",)))
        data = b""
        while not data.endswith(sentinel):
            chunk = sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError(f"connection closed after {data[:200]!r}")
            data += chunk
    reply = data[: -len(sentinel)]
    assert reply.startswith(b"-") and reply.endswith(b"\r\n"), f"expected an error, got {reply[:200]!r}"
    return reply[1:-2].decode()


@pytest.fixture
def r(ai_server: Any) -> Any:
    return ai_server.client()


def test_scriptstore_and_scriptget_shapes(r: Any) -> None:
    args = ["s", "gpu:0", "TAG", "v2", "ENTRY_POINTS", 2, "bar", "baz", "SOURCE", SOURCE]
    assert r.execute_command("AI.SCRIPTSTORE", *args) == b"OK"
    assert r.type("s") == b"AI_SCRIPT"
    head = [b"device", b"gpu:0", b"tag", b"v2", b"Entry Points", [b"bar", b"baz"]]
    full = r.execute_command("AI.SCRIPTGET", "s")
    assert full == [*head, b"source", SOURCE.encode()]
    assert r.execute_command("AI.SCRIPTGET", "s", "source", "META") == full
    assert r.execute_command("AI.SCRIPTGET", "s", "META") == head
    assert r.execute_command("AI.SCRIPTGET", "s", "SOURCE") == SOURCE.encode()
    assert r.execute_command("AI.SCRIPTGET", "s", "SOURCE", "whatever") == SOURCE.encode()


def test_scriptstore_ignores_arguments_after_the_source(r: Any) -> None:
    args = ["s", "CPU", "ENTRY_POINTS", 1, "f", "SOURCE", "src", "extra", "more"]
    assert r.execute_command("AI.SCRIPTSTORE", *args) == b"OK"
    assert r.execute_command("AI.SCRIPTGET", "s") == [
        b"device",
        b"CPU",
        b"tag",
        b"",
        b"Entry Points",
        [b"f"],
        b"source",
        b"src",
    ]


def test_scriptstore_zero_entry_points_and_binary_source(r: Any) -> None:
    src = b"\x00binary\r\nsource\xff"
    assert (
        r.execute_command("AI.SCRIPTSTORE", "s", "CPU", "TAG", "t", "ENTRY_POINTS", 0, "SOURCE", src) == b"OK"
    )
    assert r.execute_command("AI.SCRIPTGET", "s", "META") == [
        b"device",
        b"CPU",
        b"tag",
        b"t",
        b"Entry Points",
        [],
    ]
    assert r.execute_command("AI.SCRIPTGET", "s", "SOURCE") == src


SCRIPTSTORE_ERRORS = [
    (["k", "CPU", "SOURCE", "return 1"], "ERR wrong number of arguments for 'AI.SCRIPTSTORE' command"),
    (["k"], "ERR wrong number of arguments for 'AI.SCRIPTSTORE' command"),
    (["k", "CPU", "NO_ENTRY_POINTS", 2, "bar", "baz", "SOURCE", SOURCE], ERR_ENTRY_POINTS),
    (
        ["k", "CPU", "ENTRY_POINTS", "ENTRY_POINTS", "bar", "baz", "SOURCE", SOURCE],
        "ERR Non numeric entry points number provided to AI.SCRIPTSTORE command",
    ),
    (
        ["k", "CPU", "ENTRY_POINTS", "1.5", "bar", "baz", "SOURCE", SOURCE],
        "ERR Non numeric entry points number provided to AI.SCRIPTSTORE command",
    ),
    (["k", "CPU", "ENTRY_POINTS", 5, "bar", "baz", "SOURCE", SOURCE], ERR_ENTRY_POINTS),
    (["k", "CPU", "ENTRY_POINTS", -1, "bar", "baz", "SOURCE", SOURCE], ERR_ENTRY_POINTS),
    (["k", "CPU", "ENTRY_POINTS", 99999999999999, "a", "SOURCE", SOURCE], ERR_ENTRY_POINTS),
    (["k", "CPU", "ENTRY_POINTS", 2, "bar", "baz", "SOURCE"], ERR_SOURCE),
    (["k", "CPU", "ENTRY_POINTS", 3, "bar", "baz", "SOURCE", SOURCE], ERR_SOURCE),
    (["k", "CPU", "ENTRY_POINTS", 1, "bar", "baz", "SOURCE", SOURCE], ERR_SOURCE),
    (["k", "CPU", "TAG", "t", "ENTRY_POINTS", 1, "bar", "SOURCE"], ERR_SOURCE),
]


@pytest.mark.parametrize(("args", "error"), SCRIPTSTORE_ERRORS)
def test_scriptstore_errors(ai_server: Any, args: list[Any], error: str) -> None:
    assert wire_error(ai_server, "AI.SCRIPTSTORE", *args) == error
    assert ai_server.client().exists("k") == 0


def test_scriptstore_wrongtype(ai_server: Any, r: Any) -> None:
    assert r.execute_command("AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", b"x") == b"OK"
    assert (
        wire_error(ai_server, "AI.SCRIPTSTORE", "m", "CPU", "ENTRY_POINTS", 1, "f", "SOURCE", "x")
        == WRONGTYPE
    )
    assert wire_error(ai_server, "AI.SCRIPTSET", "m", "CPU", "SOURCE", "x") == WRONGTYPE
    assert r.type("m") == b"AI__MODEL"


def test_scriptset(ai_server: Any, r: Any) -> None:
    assert r.execute_command("AI.SCRIPTSET", "s", "CPU", "SOURCE", "src") == b"OK"
    assert r.execute_command("AI.SCRIPTGET", "s", "META") == [
        b"device",
        b"CPU",
        b"tag",
        b"",
        b"Entry Points",
        [],
    ]
    assert r.execute_command("AI.SCRIPTSET", "s", "GPU", "TAG", "t", "SOURCE", "new") == b"OK"
    assert r.execute_command("AI.SCRIPTGET", "s") == [
        b"device",
        b"GPU",
        b"tag",
        b"t",
        b"Entry Points",
        [],
        b"source",
        b"new",
    ]
    arity = "ERR wrong number of arguments for 'AI.SCRIPTSET' command"
    assert wire_error(ai_server, "AI.SCRIPTSET", "s", "CPU", "SOURCE") == arity
    assert wire_error(ai_server, "AI.SCRIPTSET", "s", "CPU", "TAG", "t", "SOURCE") == arity
    assert wire_error(ai_server, "AI.SCRIPTSET", "s", "CPU", "NOSOURCE", "x") == ERR_SOURCE
    assert wire_error(ai_server, "AI.SCRIPTSET", "s", "CPU", "TAG", "t", "NOSOURCE", "x") == ERR_SOURCE


def test_scriptget_errors(ai_server: Any, r: Any) -> None:
    arity = "ERR wrong number of arguments for 'AI.SCRIPTGET' command"
    assert wire_error(ai_server, "AI.SCRIPTGET") == arity
    assert wire_error(ai_server, "AI.SCRIPTGET", "s", "META", "SOURCE", "X") == arity
    assert wire_error(ai_server, "AI.SCRIPTGET", "missing") == "ERR script key is empty"
    r.set("str", "v")
    assert wire_error(ai_server, "AI.SCRIPTGET", "str") == WRONGTYPE


def test_scriptdel(ai_server: Any, r: Any) -> None:
    assert r.execute_command("AI.SCRIPTSET", "s", "CPU", "SOURCE", "src") == b"OK"
    assert r.execute_command("AI.SCRIPTDEL", "s") == b"OK"
    assert r.exists("s") == 0
    assert wire_error(ai_server, "AI.SCRIPTDEL", "s") == "ERR script key is empty"
    arity = "ERR wrong number of arguments for 'AI.SCRIPTDEL' command"
    assert wire_error(ai_server, "AI.SCRIPTDEL") == arity
    assert wire_error(ai_server, "AI.SCRIPTDEL", "a", "b") == arity
    assert r.execute_command("AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", b"x") == b"OK"
    assert wire_error(ai_server, "AI.SCRIPTDEL", "m") == WRONGTYPE
    assert r.exists("m") == 1


def test_scriptscan(ai_server: Any, r: Any) -> None:
    assert r.execute_command("AI._SCRIPTSCAN") == []
    assert r.execute_command("AI.SCRIPTSET", "s1", "CPU", "TAG", "a", "SOURCE", "x") == b"OK"
    assert r.execute_command("AI.SCRIPTSTORE", "s2", "CPU", "ENTRY_POINTS", 1, "f", "SOURCE", "x") == b"OK"
    assert r.execute_command("AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", b"x") == b"OK"
    assert sorted(r.execute_command("AI._SCRIPTSCAN")) == [[b"s1", b"a"], [b"s2", b""]]
    assert r.execute_command("AI.SCRIPTDEL", "s1") == b"OK"
    assert r.execute_command("AI._SCRIPTSCAN") == [[b"s2", b""]]
    assert (
        wire_error(ai_server, "AI._SCRIPTSCAN", 1)
        == "ERR wrong number of arguments for 'AI._SCRIPTSCAN' command"
    )
