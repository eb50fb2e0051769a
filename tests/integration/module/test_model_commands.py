"""AI.MODELSTORE / MODELSET / MODELGET / MODELDEL / _MODELSCAN against a real server.

Replies and error strings are those of the RedisAI 1.2 command surface; errors are read from the
wire so the exact text, including its ``ERR `` prefix, is asserted. Models are stored without a
backend: the payload is kept byte for byte and handed to workers at execution time.
"""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
ERR_MISSING_BLOB = "ERR Insufficient arguments, missing model BLOB"
DEFAULT_CHUNK = 511 * 1024 * 1024


# ---------------------------------------------------------------- helpers


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


def meta(
    backend: str = "TORCH",
    device: str = "CPU",
    tag: bytes = b"",
    batch: int = 0,
    minbatch: int = 0,
    inputs: list[bytes] | None = None,
    outputs: list[bytes] | None = None,
    timeout: int = 0,
) -> list[Any]:
    return [
        b"backend",
        backend.encode(),
        b"device",
        device.encode(),
        b"tag",
        tag,
        b"batchsize",
        batch,
        b"minbatchsize",
        minbatch,
        b"inputs",
        inputs or [],
        b"outputs",
        outputs or [],
        b"minbatchtimeout",
        timeout,
    ]


@pytest.fixture
def r(ai_server: Any) -> Any:
    return ai_server.client()


BLOB = bytes(range(256)) * 3 + b"\x00\r\n"


# ---------------------------------------------------------------- MODELSTORE


def test_modelstore_and_modelget_full_reply(r: Any) -> None:
    assert r.execute_command("AI.MODELSTORE", "m", "torch", "cpu:1", "TAG", "v1", "BLOB", BLOB) == b"OK"
    assert r.type("m") == b"AI__MODEL"
    full = r.execute_command("AI.MODELGET", "m")
    assert len(full) == 18
    assert full == [*meta("TORCH", "cpu:1", b"v1"), b"blob", BLOB]
    assert r.execute_command("AI.MODELGET", "m", "META", "BLOB") == full
    assert r.execute_command("AI.MODELGET", "m", "blob", "meta") == full
    assert r.execute_command("AI.MODELGET", "m", "META") == meta("TORCH", "cpu:1", b"v1")
    assert r.execute_command("AI.MODELGET", "m", "BLOB") == BLOB
    # unknown tokens are ignored
    assert r.execute_command("AI.MODELGET", "m", "BLOB", "NOPE") == BLOB


def test_modelstore_tf_keeps_names_and_batching(r: Any) -> None:
    args = ["TAG", "t", "BATCHSIZE", 8, "MINBATCHSIZE", "2.0", "MINBATCHTIMEOUT", 100]
    io = ["INPUTS", 2, "a", "b", "OUTPUTS", 1, "c"]
    assert r.execute_command("AI.MODELSTORE", "tf", "TF", "GPU:12345", *args, *io, "BLOB", b"g") == b"OK"
    assert r.execute_command("AI.MODELGET", "tf", "META") == meta(
        "TF", "GPU:12345", b"t", 8, 2, [b"a", b"b"], [b"c"], 100
    )


@pytest.mark.parametrize("backend", ["TF", "TFLITE", "TORCH", "ONNX", "onnx", "Torch"])
def test_backends_are_case_insensitive(r: Any, backend: str) -> None:
    extra = ["INPUTS", 1, "i", "OUTPUTS", 1, "o"] if backend == "TF" else []
    assert r.execute_command("AI.MODELSTORE", "k", backend, "CPU", *extra, "BLOB", b"x") == b"OK"
    assert r.execute_command("AI.MODELGET", "k", "META")[1] == backend.upper().encode()


def test_multi_chunk_store_is_concatenated(r: Any) -> None:
    chunks = [b"a" * 10, b"", b"\x00b" * 7, b"c"]
    assert r.execute_command("AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", *chunks) == b"OK"
    assert r.execute_command("AI.MODELGET", "m", "BLOB") == b"".join(chunks)


def test_many_chunks_and_empty_blob(r: Any) -> None:
    chunks = [bytes([i % 256]) for i in range(5000)]
    assert r.execute_command("AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", *chunks) == b"OK"
    assert r.execute_command("AI.MODELGET", "m", "BLOB") == b"".join(chunks)
    assert r.execute_command("AI.MODELSTORE", "e", "TORCH", "CPU", "BLOB", b"") == b"OK"
    assert r.execute_command("AI.MODELGET", "e", "BLOB") == b""


@pytest.mark.parametrize("device", ["CPU", "GPU", "cpu", "gpu:0", "CPU:", "CPU:12345", "GPU:99999"])
def test_modelstore_valid_devices(r: Any, device: str) -> None:
    assert r.execute_command("AI.MODELSTORE", "m", "TORCH", device, "BLOB", b"x") == b"OK"
    assert r.execute_command("AI.MODELGET", "m", "META")[3] == device.encode()


MODELSTORE_ERRORS = [
    (["m", "TORCH", "CPU", "BLOB"], "ERR wrong number of arguments for 'AI.MODELSTORE' command"),
    (["m", "PYTORCH", "CPU", "BLOB", "x"], "ERR unsupported backend"),
    (["m", "TORCH", "bad_device", "BLOB", "x"], "ERR Invalid DEVICE"),
    (["m", "TORCH", "CPU::", "BLOB", "x"], "ERR Invalid DEVICE"),
    (["m", "TORCH", "CPU:1.8", "BLOB", "x"], "ERR Invalid DEVICE"),
    (["m", "TORCH", "CPU:123456", "BLOB", "x"], "ERR Invalid DEVICE"),
    (["m", "TORCH", "TPU", "BLOB", "x"], "ERR Invalid DEVICE"),
    (["m", "TORCH", "CPU", "BATCHSIZE", "-1", "BLOB", "x"], "ERR Invalid argument for BATCHSIZE"),
    (["m", "TORCH", "CPU", "BATCHSIZE", "1.5", "BLOB", "x"], "ERR Invalid argument for BATCHSIZE"),
    (["m", "TORCH", "CPU", "BATCHSIZE", "two", "BLOB", "x"], "ERR Invalid argument for BATCHSIZE"),
    (
        ["m", "TORCH", "CPU", "BATCHSIZE", 2, "MINBATCHSIZE", "x", "BLOB", "x"],
        "ERR Invalid argument for MINBATCHSIZE",
    ),
    (
        ["m", "TORCH", "CPU", "BATCHSIZE", 0, "MINBATCHSIZE", 2, "BLOB", "x"],
        "ERR MINBATCHSIZE specified without BATCHSIZE",
    ),
    (
        ["m", "TORCH", "CPU", "BATCHSIZE", 2, "MINBATCHSIZE", 1, "MINBATCHTIMEOUT", "-3", "BLOB", "x"],
        "ERR Invalid argument for MINBATCHTIMEOUT",
    ),
    (
        ["m", "TORCH", "CPU", "BATCHSIZE", 2, "MINBATCHSIZE", 0, "MINBATCHTIMEOUT", 5, "BLOB", "x"],
        "ERR MINBATCHTIMEOUT specified without MINBATCHSIZE",
    ),
    (["m", "TORCH", "CPU", "TAG", "t", "BATCHSIZE", 2], ERR_MISSING_BLOB),
    (["m", "TORCH", "CPU", "BATCHSIZE", 2, "TAG", "t", "BLOB", "x"], "ERR Invalid argument, expected BLOB"),
    (["m", "TF", "CPU", "BLOB", "x", "y"], "ERR INPUTS not specified for TF"),
    (["m", "TF", "CPU", "INPUTS", 0, "OUTPUTS", "BLOB", "x"], "ERR Invalid argument for input_count"),
    (["m", "TF", "CPU", "INPUTS", "one", "a", "BLOB", "x"], "ERR Invalid argument for input_count"),
    (
        ["m", "TF", "CPU", "INPUTS", 99999999999, "a", "BLOB", "x"],
        "ERR number of model inputs does not match the number of given arguments",
    ),
    (["m", "TF", "CPU", "INPUTS", 1, "a", "BLOB", "x"], "ERR OUTPUTS not specified for TF"),
    (["m", "TF", "CPU", "INPUTS", 1, "a", "OUTPUTS", 0, "BLOB"], "ERR Invalid argument for output_count"),
    (
        ["m", "TF", "CPU", "INPUTS", 1, "a", "OUTPUTS", 3, "b", "BLOB"],
        "ERR number of model outputs does not match the number of given arguments",
    ),
    (["m", "TF", "CPU", "INPUTS", 1, "a", "OUTPUTS", 1, "b"], ERR_MISSING_BLOB),
    (["m", "TF", "CPU", "INPUTS", 1, "a", "OUTPUTS", 1, "b", "BLOB"], ERR_MISSING_BLOB),
    (
        ["m", "TF", "CPU", "INPUTS", 1, "a", "OUTPUTS", 1, "b", "BLOOB", "x"],
        "ERR Invalid argument, expected BLOB",
    ),
    (
        ["m", "TORCH", "CPU", "INPUTS", 1, "a", "BLOB", "x"],
        "ERR INPUTS argument should not be specified for this backend",
    ),
    (["m", "ONNX", "CPU", "OUTPUTS", 1, "a", "BLOB", "x"], "ERR Invalid argument, expected BLOB"),
]


@pytest.mark.parametrize(("args", "error"), MODELSTORE_ERRORS)
def test_modelstore_errors(ai_server: Any, args: list[Any], error: str) -> None:
    assert wire_error(ai_server, "AI.MODELSTORE", *args) == error
    assert ai_server.client().exists("m") == 0


def test_modelstore_wrongtype_is_checked_after_parsing(ai_server: Any, r: Any) -> None:
    r.set("s", "v")
    assert (
        wire_error(ai_server, "AI.MODELSTORE", "s", "NOPE", "CPU", "BLOB", "x") == "ERR unsupported backend"
    )
    assert wire_error(ai_server, "AI.MODELSTORE", "s", "TORCH", "CPU", "BLOB", "x") == WRONGTYPE
    assert r.get("s") == b"v"


def test_overwrite_replaces_the_model(r: Any) -> None:
    assert r.execute_command("AI.MODELSTORE", "m", "TORCH", "CPU", "TAG", "a", "BLOB", b"one") == b"OK"
    assert r.execute_command("AI.MODELSTORE", "m", "ONNX", "GPU", "BLOB", b"two") == b"OK"
    assert r.execute_command("AI.MODELGET", "m") == [*meta("ONNX", "GPU"), b"blob", b"two"]


# ---------------------------------------------------------------- MODELSET


def test_modelset_stores_like_modelstore(r: Any) -> None:
    args = ["TAG", "t", "BATCHSIZE", 4, "MINBATCHSIZE", 2, "MINBATCHTIMEOUT", 7]
    io = ["INPUTS", "a", "b", "OUTPUTS", "c"]
    assert r.execute_command("AI.MODELSET", "m", "TF", "CPU", *args, *io, "BLOB", b"x", b"y") == b"OK"
    assert r.execute_command("AI.MODELGET", "m") == [
        *meta("TF", "CPU", b"t", 4, 2, [b"a", b"b"], [b"c"], 7),
        b"blob",
        b"xy",
    ]
    # other backends: tokens before BLOB are ignored; devices are only length/keyword checked
    assert r.execute_command("AI.MODELSET", "n", "TORCH", "anything", "junk", "more", "BLOB", b"z") == b"OK"
    assert r.execute_command("AI.MODELGET", "n", "META") == meta("TORCH", "anything")


MODELSET_ERRORS = [
    (["m", "TORCH"], "ERR wrong number of arguments for 'AI.MODELSET' command"),
    (["m", "NOPE", "CPU", "BLOB", "x"], "ERR unsupported backend"),
    (["m", "TORCH", "CPU:1234567", "BLOB", "x"], "ERR Invalid DEVICE"),
    (["m", "TORCH", "blob", "x"], "ERR Invalid DEVICE"),
    (["m", "TORCH", "TAG", "BLOB", "x"], "ERR Invalid DEVICE"),
    (
        ["m", "TFLITE", "CPU", "BATCHSIZE", 2, "BLOB", "x"],
        "ERR Auto-batching not supported by the TFLITE backend",
    ),
    (["m", "TORCH", "CPU", "BATCHSIZE", "x", "BLOB", "x"], "ERR Invalid argument for BATCHSIZE"),
    (["m", "TORCH", "CPU", "MINBATCHSIZE", "x", "BLOB", "x"], "ERR MINBATCHSIZE specified without BATCHSIZE"),
    (
        ["m", "TORCH", "CPU", "BATCHSIZE", 2, "MINBATCHSIZE", "x", "BLOB", "x"],
        "ERR Invalid argument for MINBATCHSIZE",
    ),
    (
        ["m", "TORCH", "CPU", "MINBATCHTIMEOUT", "x", "BLOB", "x"],
        "ERR MINBATCHTIMEOUT specified without BATCHSIZE",
    ),
    (
        ["m", "TORCH", "CPU", "BATCHSIZE", 2, "MINBATCHTIMEOUT", 3, "BLOB", "x"],
        "ERR MINBATCHTIMEOUT specified without MINBATCHSIZE",
    ),
    (
        ["m", "TORCH", "CPU", "BATCHSIZE", 2, "MINBATCHSIZE", 1, "MINBATCHTIMEOUT", "y", "BLOB", "x"],
        "ERR Invalid argument for MINBATCHTIMEOUT",
    ),
    (["m", "TF", "CPU", "BLOB", "x"], "ERR Insufficient arguments, INPUTS and OUTPUTS not specified"),
    (["m", "TF", "CPU"], "ERR Insufficient arguments, INPUTS and OUTPUTS not specified"),
    (["m", "TF", "CPU", "OUTPUTS", "a", "BLOB", "x"], "ERR INPUTS not specified"),
    (["m", "TF", "CPU", "INPUTS", "a", "BLOB", "x"], "ERR OUTPUTS not specified"),
    (["m", "TF", "CPU", "INPUTS", "a", "OUTPUTS", "b"], ERR_MISSING_BLOB),
    (["m", "TORCH", "CPU", "BLOB"], ERR_MISSING_BLOB),
    (["m", "TORCH", "CPU", "NOTBLOB", "x"], ERR_MISSING_BLOB),
]


@pytest.mark.parametrize(("args", "error"), MODELSET_ERRORS)
def test_modelset_errors(ai_server: Any, args: list[Any], error: str) -> None:
    assert wire_error(ai_server, "AI.MODELSET", *args) == error
    assert ai_server.client().exists("m") == 0


def test_modelstore_allows_tflite_batching(r: Any) -> None:
    assert r.execute_command("AI.MODELSTORE", "m", "TFLITE", "CPU", "BATCHSIZE", 2, "BLOB", b"x") == b"OK"


def test_modelset_wrongtype(ai_server: Any, r: Any) -> None:
    r.set("s", "v")
    assert wire_error(ai_server, "AI.MODELSET", "s", "TORCH", "CPU", "BLOB", "x") == WRONGTYPE


# ---------------------------------------------------------------- MODELGET chunking


def test_modelget_chunks_by_model_chunk_size(r: Any) -> None:
    blob = bytes(range(100)) * 10  # 1000 bytes
    assert r.execute_command("AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", blob) == b"OK"
    assert r.execute_command("AI.CONFIG", "MODEL_CHUNK_SIZE", 300) == b"OK"
    chunks = r.execute_command("AI.MODELGET", "m", "BLOB")
    assert chunks == [blob[:300], blob[300:600], blob[600:900], blob[900:]]
    assert r.execute_command("AI.MODELGET", "m")[17] == chunks
    # an exact multiple ends with an empty chunk
    assert r.execute_command("AI.CONFIG", "MODEL_CHUNK_SIZE", 500) == b"OK"
    assert r.execute_command("AI.MODELGET", "m", "BLOB") == [blob[:500], blob[500:], b""]
    assert r.execute_command("AI.CONFIG", "MODEL_CHUNK_SIZE", 1000) == b"OK"
    assert r.execute_command("AI.MODELGET", "m", "BLOB") == [blob, b""]
    assert r.execute_command("AI.CONFIG", "MODEL_CHUNK_SIZE", 1001) == b"OK"
    assert r.execute_command("AI.MODELGET", "m", "BLOB") == blob
    assert r.execute_command("AI.CONFIG", "MODEL_CHUNK_SIZE", DEFAULT_CHUNK) == b"OK"
    assert r.execute_command("AI.MODELGET", "m", "BLOB") == blob


def test_modelget_empty_blob_with_chunk_size_one(r: Any) -> None:
    assert r.execute_command("AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", b"") == b"OK"
    assert r.execute_command("AI.CONFIG", "MODEL_CHUNK_SIZE", 1) == b"OK"
    assert r.execute_command("AI.MODELGET", "m", "BLOB") == b""
    assert r.execute_command("AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", b"ab") == b"OK"
    assert r.execute_command("AI.MODELGET", "m", "BLOB") == [b"a", b"b", b""]


def test_modelget_errors(ai_server: Any, r: Any) -> None:
    arity = "ERR wrong number of arguments for 'AI.MODELGET' command"
    assert wire_error(ai_server, "AI.MODELGET") == arity
    assert wire_error(ai_server, "AI.MODELGET", "m", "META", "BLOB", "X") == arity
    assert wire_error(ai_server, "AI.MODELGET", "missing") == "ERR model key is empty"
    r.set("s", "v")
    assert wire_error(ai_server, "AI.MODELGET", "s") == WRONGTYPE
    assert r.execute_command("AI.TENSORSET", "t", "FLOAT", 1) == b"OK"
    assert wire_error(ai_server, "AI.MODELGET", "t", "META") == WRONGTYPE


# ---------------------------------------------------------------- MODELDEL


def test_modeldel(ai_server: Any, r: Any) -> None:
    assert r.execute_command("AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", b"x") == b"OK"
    assert r.execute_command("AI.MODELDEL", "m") == b"OK"
    assert r.exists("m") == 0
    assert wire_error(ai_server, "AI.MODELDEL", "m") == "ERR model key is empty"
    assert wire_error(ai_server, "AI.MODELDEL") == "ERR wrong number of arguments for 'AI.MODELDEL' command"
    assert (
        wire_error(ai_server, "AI.MODELDEL", "a", "b")
        == "ERR wrong number of arguments for 'AI.MODELDEL' command"
    )
    r.set("s", "v")
    assert wire_error(ai_server, "AI.MODELDEL", "s") == WRONGTYPE
    assert r.get("s") == b"v"


# ---------------------------------------------------------------- _MODELSCAN


def test_modelscan_lists_key_and_tag(ai_server: Any, r: Any) -> None:
    assert r.execute_command("AI._MODELSCAN") == []
    assert r.execute_command("AI.MODELSTORE", "m1", "TORCH", "CPU", "TAG", "t1", "BLOB", b"x") == b"OK"
    assert r.execute_command("AI.MODELSTORE", "m2", "ONNX", "CPU", "BLOB", b"x") == b"OK"
    assert r.execute_command("AI.SCRIPTSTORE", "s", "CPU", "ENTRY_POINTS", 1, "f", "SOURCE", "x") == b"OK"
    assert sorted(r.execute_command("AI._MODELSCAN")) == [[b"m1", b"t1"], [b"m2", b""]]
    # overwrite, then delete: the registry follows the keyspace
    assert r.execute_command("AI.MODELSTORE", "m1", "TORCH", "CPU", "TAG", "t2", "BLOB", b"y") == b"OK"
    assert sorted(r.execute_command("AI._MODELSCAN")) == [[b"m1", b"t2"], [b"m2", b""]]
    assert r.execute_command("AI.MODELDEL", "m2") == b"OK"
    assert r.execute_command("AI._MODELSCAN") == [[b"m1", b"t2"]]
    assert r.delete("m1") == 1
    assert r.execute_command("AI._MODELSCAN") == []
    assert (
        wire_error(ai_server, "AI._MODELSCAN", "x")
        == "ERR wrong number of arguments for 'AI._MODELSCAN' command"
    )


@pytest.mark.parametrize("asynchronous", [False, True])
def test_flushall_clears_the_registry(r: Any, asynchronous: bool) -> None:
    for i in range(20):
        assert r.execute_command("AI.MODELSTORE", f"m{i}", "TORCH", "CPU", "BLOB", b"x") == b"OK"
    assert len(r.execute_command("AI._MODELSCAN")) == 20
    assert r.flushall(asynchronous=asynchronous)
    # an asynchronous flush frees the models (and their entries) on a background thread
    deadline = time.monotonic() + 10
    while r.execute_command("AI._MODELSCAN") and asynchronous and time.monotonic() < deadline:
        time.sleep(0.01)
    assert r.execute_command("AI._MODELSCAN") == []


def test_memory_usage_counts_the_blob_once(r: Any) -> None:
    blob = b"\x01" * (1 << 20)
    assert r.execute_command("AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", blob) == b"OK"
    usage = r.memory_usage("m")
    assert (1 << 20) <= usage < (1 << 20) + 4096
