"""AI.CONFIG and the module's load-time arguments, against a real server.

Errors are read from the wire so the exact text, including its ``ERR `` prefix, is asserted.
"""

from __future__ import annotations

import os
import socket
from typing import Any

import pytest

DEFAULT_MODEL_CHUNK_SIZE = 535822336  # 511 MiB
CONFIG_ARITY = "ERR wrong number of arguments for 'AI.CONFIG' command"


def _pack(args: tuple[Any, ...]) -> bytes:
    parts = [a if isinstance(a, bytes) else str(a).encode() for a in args]
    return b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)


def wire_reply(server: Any, *args: Any) -> bytes:
    """The raw RESP2 bytes of the reply to one command (a PING after it marks the end)."""
    sentinel = b"+PONG\r\n"
    with socket.create_connection((server.host, server.port), timeout=30) as sock:
        sock.sendall(_pack(args) + _pack(("PING",)))
        data = b""
        while not data.endswith(sentinel):
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError(f"connection closed after {data[:200]!r}")
            data += chunk
    return data[: -len(sentinel)]


def wire_error(server: Any, *args: Any) -> str:
    reply = wire_reply(server, *args)
    assert reply.startswith(b"-") and reply.endswith(b"\r\n"), f"expected an error, got {reply[:200]!r}"
    return reply[1:-2].decode()


def module_path(r: Any) -> str:
    """The .so the server loaded, as MODULE LIST reports it."""
    for entry in r.module_list():
        fields = {(k.decode() if isinstance(k, bytes) else k): v for k, v in entry.items()}
        name = fields["name"].decode() if isinstance(fields["name"], bytes) else fields["name"]
        if name == "ai":
            path = fields["path"]
            return path.decode() if isinstance(path, bytes) else str(path)
    raise AssertionError("module 'ai' is not loaded")


def test_get_defaults(ai_server: Any) -> None:
    r = ai_server.client()
    assert wire_reply(ai_server, "AI.CONFIG", "GET", "MODEL_CHUNK_SIZE") == b":535822336\r\n"
    assert r.execute_command("AI.CONFIG", "GET", "MODEL_CHUNK_SIZE") == DEFAULT_MODEL_CHUNK_SIZE
    expected = os.path.join(os.path.dirname(module_path(r)), "backends")
    assert r.execute_command("AI.CONFIG", "GET", "BACKENDSPATH") == expected.encode()
    assert wire_reply(ai_server, "AI.CONFIG", "GET", "BACKENDSPATH").startswith(b"$")


def test_get_unknown_is_null(ai_server: Any) -> None:
    r = ai_server.client()
    assert r.execute_command("AI.CONFIG", "GET", "THREADS_PER_QUEUE") is None
    assert wire_reply(ai_server, "AI.CONFIG", "GET", "NOSUCHTHING") == b"$-1\r\n"


def test_subcommands_and_names_are_case_insensitive(ai_server: Any) -> None:
    r = ai_server.client()
    assert r.execute_command("ai.config", "get", "model_chunk_size") == DEFAULT_MODEL_CHUNK_SIZE
    assert r.execute_command("AI.CONFIG", "Model_Chunk_Size", 4096) == b"OK"
    assert r.execute_command("AI.CONFIG", "GET", "MODEL_CHUNK_SIZE") == 4096


def test_arity_errors(ai_server: Any) -> None:
    assert wire_error(ai_server, "AI.CONFIG") == CONFIG_ARITY
    assert wire_error(ai_server, "AI.CONFIG", "GET") == CONFIG_ARITY
    assert wire_error(ai_server, "AI.CONFIG", "LOADBACKEND") == CONFIG_ARITY
    assert wire_error(ai_server, "AI.CONFIG", "LOADBACKEND", "TORCH") == CONFIG_ARITY


def test_model_chunk_size(ai_server: Any) -> None:
    r = ai_server.client()
    assert r.execute_command("AI.CONFIG", "MODEL_CHUNK_SIZE", 1024) == b"OK"
    assert r.execute_command("AI.CONFIG", "GET", "MODEL_CHUNK_SIZE") == 1024
    for bad in ("0", "-1", "abc", "1.5", ""):
        assert (
            wire_error(ai_server, "AI.CONFIG", "MODEL_CHUNK_SIZE", bad)
            == "ERR MODEL_CHUNK_SIZE: invalid chunk size"
        )
    assert (
        wire_error(ai_server, "AI.CONFIG", "MODEL_CHUNK_SIZE") == "ERR MODEL_CHUNK_SIZE: missing chunk size"
    )
    assert r.execute_command("AI.CONFIG", "GET", "MODEL_CHUNK_SIZE") == 1024


def test_backendspath(ai_server: Any) -> None:
    r = ai_server.client()
    assert r.execute_command("AI.CONFIG", "BACKENDSPATH", "/opt/ai/backends") == b"OK"
    assert r.execute_command("AI.CONFIG", "GET", "BACKENDSPATH") == b"/opt/ai/backends"
    assert wire_error(ai_server, "AI.CONFIG", "BACKENDSPATH") == "ERR BACKENDSPATH: missing path argument"
    assert r.execute_command("AI.CONFIG", "GET", "BACKENDSPATH") == b"/opt/ai/backends"


def test_loadbackend(ai_server: Any) -> None:
    r = ai_server.client()
    for backend in ("TF", "TFLITE", "TORCH", "ONNX", "torch", "Onnx"):
        assert r.execute_command("AI.CONFIG", "LOADBACKEND", backend, "some/lib.so") == b"OK"
    assert r.execute_command("AI.CONFIG", "LOADBACKEND", "TORCH", "/abs/redisai_torch.so") == b"OK"
    for bad in ("PYTORCH", "TENSORFLOW", "ONNXRUNTIME", ""):
        assert wire_error(ai_server, "AI.CONFIG", "LOADBACKEND", bad, "x.so") == "ERR unsupported backend"


def test_unsupported_subcommand(ai_server: Any) -> None:
    for sub in ("SET", "THREADS_PER_QUEUE", "BOGUS"):
        assert wire_error(ai_server, "AI.CONFIG", sub, "1") == "ERR unsupported subcommand"


def test_config_is_not_a_key_command(ai_server: Any) -> None:
    r = ai_server.client()
    entry = r.command()["AI.CONFIG"]
    assert "write" in entry["flags"]
    assert (entry["first_key_pos"], entry["last_key_pos"], entry["step_count"]) == (0, 0, 0)


def test_load_time_arguments(ai_server_factory: Any) -> None:
    server = ai_server_factory(
        module_args=[
            "MODEL_CHUNK_SIZE", "2048",
            "THREADS_PER_QUEUE", "4",
            "inter_op_parallelism", "2",
            "INTRA_OP_PARALLELISM", "3",
            "MODEL_EXECUTION_TIMEOUT", "1000",
            "BACKEND_MEMORY_LIMIT", "512",
            "TORCH", "redisai_torch/redisai_torch.so",
            "BACKENDSPATH", "/srv/backends",
        ]
    )  # fmt: skip
    r = server.client()
    assert r.execute_command("AI.CONFIG", "GET", "MODEL_CHUNK_SIZE") == 2048
    assert r.execute_command("AI.CONFIG", "GET", "BACKENDSPATH") == b"/srv/backends"


@pytest.mark.parametrize(
    ("module_args", "logged"),
    [
        (["THREADS_PER_QUEUE"], "ERR error processing argument: THREADS_PER_QUEUE"),
        (["MODEL_CHUNK_SIZE", "10", "TF"], "ERR error processing argument: TF"),
        (["NO_SUCH_SETTING", "1"], "ERR error processing argument: NO_SUCH_SETTING 1"),
        (["THREADS_PER_QUEUE", "0"], "ERR error processing argument: THREADS_PER_QUEUE 0"),
        (["INTER_OP_PARALLELISM", "0"], "ERR error processing argument: INTER_OP_PARALLELISM 0"),
        (["INTRA_OP_PARALLELISM", "-2"], "ERR error processing argument: INTRA_OP_PARALLELISM -2"),
        (["MODEL_CHUNK_SIZE", "abc"], "ERR error processing argument: MODEL_CHUNK_SIZE abc"),
        (["MODEL_EXECUTION_TIMEOUT", "999"], "ERR error processing argument: MODEL_EXECUTION_TIMEOUT 999"),
        (["BACKEND_MEMORY_LIMIT", "1.5"], "ERR error processing argument: BACKEND_MEMORY_LIMIT 1.5"),
    ],
)
def test_bad_load_time_argument_fails_the_start(
    ai_server_factory: Any, module_args: list[str], logged: str
) -> None:
    with pytest.raises(Exception) as failure:
        ai_server_factory(module_args=module_args)
    # The server log (carried by the start error) names the offending argument.
    assert logged in str(failure.value)
