"""AI.INFO: the 18-element statistics reply of a model or script key, and RESETSTAT.

Nothing runs here, so counters stay at zero; what is checked is the reply shape, the registry's
life cycle (store, overwrite, delete, restart) and the error strings.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest

ERR_NO_INFO = "ERR cannot find run info for key"


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


def info(key: str, kind: str, backend: str, device: str, tag: str = "") -> list[Any]:
    samples = 0 if kind == "MODEL" else -1
    return [
        b"key",
        key.encode(),
        b"type",
        kind.encode(),
        b"backend",
        backend.encode(),
        b"device",
        device.encode(),
        b"tag",
        tag.encode(),
        b"duration",
        0,
        b"samples",
        samples,
        b"calls",
        0,
        b"errors",
        0,
    ]


@pytest.fixture
def r(ai_server: Any) -> Any:
    return ai_server.client()


def test_model_info(r: Any) -> None:
    assert r.execute_command("AI.MODELSTORE", "m", "ONNX", "gpu:1", "TAG", "v1", "BLOB", b"x") == b"OK"
    reply = r.execute_command("AI.INFO", "m")
    assert len(reply) == 18
    assert reply == info("m", "MODEL", "ONNX", "gpu:1", "v1")


def test_script_info(r: Any) -> None:
    assert (
        r.execute_command("AI.SCRIPTSTORE", "s", "CPU", "TAG", "t", "ENTRY_POINTS", 1, "f", "SOURCE", "x")
        == b"OK"
    )
    assert r.execute_command("AI.INFO", "s") == info("s", "SCRIPT", "TORCH", "CPU", "t")
    assert r.execute_command("AI.SCRIPTSET", "s2", "GPU", "SOURCE", "x") == b"OK"
    assert r.execute_command("AI.INFO", "s2") == info("s2", "SCRIPT", "TORCH", "GPU")


def test_resetstat_and_other_tokens(r: Any) -> None:
    assert r.execute_command("AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", b"x") == b"OK"
    assert r.execute_command("AI.INFO", "m", "RESETSTAT") == b"OK"
    assert r.execute_command("AI.INFO", "m", "resetstat") == b"OK"
    assert r.execute_command("AI.INFO", "m", "whatever") == info("m", "MODEL", "TORCH", "CPU")


def test_restore_resets_and_overwrite_keeps_the_new_entry(r: Any) -> None:
    assert r.execute_command("AI.MODELSTORE", "m", "TORCH", "CPU", "TAG", "old", "BLOB", b"x") == b"OK"
    assert (
        r.execute_command(
            "AI.MODELSTORE", "m", "TF", "GPU", "TAG", "new", "INPUTS", 1, "a", "OUTPUTS", 1, "b", "BLOB", b"y"
        )
        == b"OK"
    )
    # the old model is gone; the entry is the new model's
    assert r.execute_command("AI.INFO", "m") == info("m", "MODEL", "TF", "GPU", "new")
    # RESTORE ... REPLACE: the new value is loaded before the old one is freed
    payload = r.dump("m")
    assert r.execute_command("AI.MODELSTORE", "m", "TORCH", "CPU", "TAG", "third", "BLOB", b"z") == b"OK"
    assert r.restore("m", 0, payload, replace=True) == b"OK"
    assert r.execute_command("AI.INFO", "m") == info("m", "MODEL", "TF", "GPU", "new")
    assert r.execute_command("AI._MODELSCAN") == [[b"m", b"new"]]


def test_info_follows_deletes_and_kind_changes(ai_server: Any, r: Any) -> None:
    assert r.execute_command("AI.MODELSTORE", "k", "TORCH", "CPU", "BLOB", b"x") == b"OK"
    assert r.execute_command("AI.MODELDEL", "k") == b"OK"
    assert wire_error(ai_server, "AI.INFO", "k") == ERR_NO_INFO
    assert wire_error(ai_server, "AI.INFO", "k", "RESETSTAT") == ERR_NO_INFO
    assert r.execute_command("AI.SCRIPTSET", "k", "CPU", "SOURCE", "x") == b"OK"
    assert r.execute_command("AI.INFO", "k") == info("k", "SCRIPT", "TORCH", "CPU")
    assert r.delete("k") == 1
    assert wire_error(ai_server, "AI.INFO", "k") == ERR_NO_INFO


def test_info_errors(ai_server: Any, r: Any) -> None:
    arity = "ERR wrong number of arguments for 'AI.INFO' command"
    assert wire_error(ai_server, "AI.INFO") == arity
    assert wire_error(ai_server, "AI.INFO", "a", "RESETSTAT", "x") == arity
    assert wire_error(ai_server, "AI.INFO", "missing") == ERR_NO_INFO
    # tensors and plain keys have no run info
    assert r.execute_command("AI.TENSORSET", "t", "FLOAT", 1) == b"OK"
    assert wire_error(ai_server, "AI.INFO", "t") == ERR_NO_INFO


def test_info_survives_restart(ai_server: Any) -> None:
    r = ai_server.client()
    assert r.execute_command("AI.MODELSTORE", "m", "TORCH", "CPU", "TAG", "t", "BLOB", b"x") == b"OK"
    assert r.execute_command("AI.SCRIPTSET", "s", "CPU", "SOURCE", "x") == b"OK"
    assert r.save()
    ai_server.restart()
    r = ai_server.client()
    assert r.execute_command("AI.INFO", "m") == info("m", "MODEL", "TORCH", "CPU", "t")
    assert r.execute_command("AI.INFO", "s") == info("s", "SCRIPT", "TORCH", "CPU")
    assert r.execute_command("AI._MODELSCAN") == [[b"m", b"t"]]
    assert r.execute_command("AI._SCRIPTSCAN") == [[b"s", b""]]
