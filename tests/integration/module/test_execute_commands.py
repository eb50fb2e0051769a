"""AI.MODELEXECUTE / AI.MODELRUN / AI.SCRIPTEXECUTE / AI.SCRIPTRUN through real worker processes.

The workers are ``fake_worker.py`` processes (see its docstring for the tiny "programs" stored as
model blobs). Errors are read from the wire so their exact text, ``ERR`` prefix included, is
asserted.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import numpy as np
import pytest
import redis

from .conftest import WorkerGroup, wait_for

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
IN_TRANSACTION = "ERR Cannot run RedisAI command within a transaction or a LUA script"
NO_TORCH_CPU = "ERR no worker serves backend TORCH on device CPU"

# ---------------------------------------------------------------- helpers


def _pack(args: tuple[Any, ...]) -> bytes:
    parts = [a if isinstance(a, bytes) else str(a).encode() for a in args]
    return b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)


def wire_error(server: Any, *args: Any) -> str:
    """The exact error text the server replies to one command (fails if it is not an error)."""
    with socket.create_connection((server.host, server.port), timeout=30) as sock:
        sock.sendall(_pack(args))
        data = b""
        while not data.endswith(b"\r\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    assert data.startswith(b"-"), data
    return data[1:-2].decode()


def send_and_leave(server: Any, *args: Any) -> socket.socket:
    """Send one command on a fresh connection without reading its reply; the caller closes it."""
    sock = socket.create_connection((server.host, server.port), timeout=30)
    sock.sendall(_pack(args))
    return sock


def blocked_callers(client: redis.Redis, command: str) -> int:
    """Number of clients currently blocked in command (CLIENT LIST flag b)."""
    count = 0
    for entry in client.client_list():
        if "b" in entry.get("flags", "") and entry.get("cmd", "").lower() == command.lower():
            count += 1
    return count


def in_background(fn: Any, *args: Any) -> tuple[threading.Thread, dict[str, Any]]:
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = fn(*args)
        except Exception as exc:
            result["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


def set_tensor(client: redis.Redis, key: str, array: np.ndarray, dtype: str) -> None:
    client.execute_command("AI.TENSORSET", key, dtype, *array.shape, "BLOB", array.tobytes())


def get_tensor(client: redis.Redis, key: str) -> tuple[str, list[int], bytes]:
    reply = client.execute_command("AI.TENSORGET", key, "META", "BLOB")
    return reply[1].decode(), [int(d) for d in reply[3]], reply[5]


def store_model(client: redis.Redis, key: str, program: str, *options: Any, backend: str = "TORCH") -> None:
    client.execute_command("AI.MODELSTORE", key, backend, "CPU", *options, "BLOB", program.encode())


def store_script(client: redis.Redis, key: str, program: str) -> None:
    client.execute_command("AI.SCRIPTSTORE", key, "CPU", "ENTRY_POINTS", 1, "f", "SOURCE", program)


@pytest.fixture
def loaded(ai_server: Any) -> redis.Redis:
    """A server holding model m (TORCH), TF model mt (2 inputs, 1 output), script s and tensor a."""
    client = ai_server.client()
    store_model(client, "m", "scale:2")
    client.execute_command(
        "AI.MODELSTORE", "mt", "TF", "CPU", "INPUTS", 2, "x", "y", "OUTPUTS", 1, "z", "BLOB", b"scale:2"
    )
    store_script(client, "s", "scale:2")
    set_tensor(client, "a", np.arange(6, dtype=np.float32).reshape(2, 3), "FLOAT")
    return client


# ---------------------------------------------------------------- parse errors (no worker needed)

ME = "AI.MODELEXECUTE"
MODELEXECUTE_ERRORS = [
    (
        (ME, "m", "INPUTS", 1, "a", "OUTPUTS", 1),
        "ERR wrong number of arguments for 'AI.MODELEXECUTE' command",
    ),
    ((ME, "nope", "INPUTS", 1, "a", "OUTPUTS", 1, "b"), "ERR model key is empty"),
    ((ME, "a", "INPUTS", 1, "a", "OUTPUTS", 1, "b"), WRONGTYPE),
    ((ME, "m", "INPUT", 1, "a", "OUTPUTS", 1, "b"), "ERR INPUTS not specified"),
    ((ME, "m", "INPUTS", "x", "a", "OUTPUTS", 1, "b"), "ERR Invalid argument for input_count"),
    ((ME, "m", "INPUTS", 0, "a", "OUTPUTS", 1, "b"), "ERR Input count must be a positive integer"),
    ((ME, "m", "INPUTS", -1, "a", "OUTPUTS", 1, "b"), "ERR Input count must be a positive integer"),
    (
        (ME, "m", "INPUTS", 9, "a", "OUTPUTS", 1, "b"),
        "ERR number of input keys to AI.MODELEXECUTE command does not match the number of given arguments",
    ),
    (
        (ME, "mt", "INPUTS", 1, "a", "OUTPUTS", 1, "b"),
        "Number of keys given as INPUTS here does not match model definition",
    ),
    (
        (ME, "mt", "INPUTS", 2, "a", "a", "OUTPUTS", 2, "b", "c"),
        "Number of keys given as OUTPUTS here does not match model definition",
    ),
    ((ME, "m", "INPUTS", 1, "a", "OUTPUT", 1, "b"), "ERR OUTPUTS not specified"),
    ((ME, "m", "INPUTS", 2, "a", "a", "b", "c", "d"), "ERR OUTPUTS not specified"),
    ((ME, "m", "INPUTS", 1, "a", "OUTPUTS", "x", "b"), "ERR Invalid argument for output_count"),
    ((ME, "m", "INPUTS", 1, "a", "OUTPUTS", 0, "b"), "ERR Output count must be a positive integer"),
    (
        (ME, "m", "INPUTS", 1, "a", "OUTPUTS", 5, "b"),
        "ERR number of output keys to AI.MODELEXECUTE command does not match the number of given arguments",
    ),
    ((ME, "m", "INPUTS", 1, "a", "OUTPUTS", 1, "b", "FOO"), "Invalid argument: FOO"),
    ((ME, "m", "INPUTS", 1, "a", "OUTPUTS", 1, "b", "TIMEOUT"), "ERR No value provided for TIMEOUT"),
    ((ME, "m", "INPUTS", 1, "a", "OUTPUTS", 1, "b", "TIMEOUT", 0), "ERR Invalid value for TIMEOUT"),
    ((ME, "m", "INPUTS", 1, "a", "OUTPUTS", 1, "b", "TIMEOUT", "x"), "ERR Invalid value for TIMEOUT"),
    ((ME, "m", "INPUTS", 1, "a", "OUTPUTS", 1, "b", "TIMEOUT", 5, "z"), "Invalid argument: z"),
    ((ME, "m", "INPUTS", 1, "zz", "OUTPUTS", 1, "b"), "ERR tensor key is empty or in a different shard"),
    ((ME, "m", "INPUTS", 1, "m", "OUTPUTS", 1, "b"), WRONGTYPE),
]

MR = "AI.MODELRUN"
MODELRUN_ERRORS = [
    ((MR, "m", "INPUTS", "a", "OUTPUTS"), "ERR wrong number of arguments for 'AI.MODELRUN' command"),
    ((MR, "nope", "INPUTS", "a", "OUTPUTS", "b"), "ERR model key is empty"),
    ((MR, "m", "TIMEOUT", "x", "INPUTS", "a", "OUTPUTS", "b"), "ERR Invalid value for TIMEOUT"),
    ((MR, "m", "INPUT", "a", "OUTPUTS", "b"), "ERR INPUTS not specified"),
    ((MR, "m", "TIMEOUT", 5, "OUTPUTS", "a", "b"), "ERR INPUTS not specified"),
    ((MR, "m", "INPUTS", "a", "b", "c", "d"), "ERR OUTPUTS not specified"),
    (
        (MR, "mt", "INPUTS", "a", "OUTPUTS", "b"),
        "Number of keys given as INPUTS here does not match model definition",
    ),
    (
        (MR, "mt", "INPUTS", "a", "a", "OUTPUTS", "b", "c"),
        "Number of keys given as OUTPUTS here does not match model definition",
    ),
    ((MR, "m", "INPUTS", "zz", "OUTPUTS", "b"), "ERR tensor key is empty or in a different shard"),
]

SE = "AI.SCRIPTEXECUTE"
FIRST_SCOPE = "ERR KEYS or INPUTS scope must be provided first for AI.SCRIPTEXECUTE command"
SCRIPTEXECUTE_ERRORS = [
    ((SE, "s"), "ERR wrong number of arguments for 'AI.SCRIPTEXECUTE' command"),
    ((SE, "nope", "f", "INPUTS", 1, "a"), "ERR script key is empty"),
    ((SE, "a", "f", "INPUTS", 1, "a"), WRONGTYPE),
    ((SE, "s", "f"), FIRST_SCOPE),
    ((SE, "s", "f", "ARGS", 1, "x"), FIRST_SCOPE),
    ((SE, "s", "f", "KEYS", 1), "ERR Missing arguments after KEYS keyword"),
    ((SE, "s", "f", "KEYS", "x", "k"), "ERR Invalid or negative value found in number of KEYS"),
    ((SE, "s", "f", "KEYS", 0, "k"), "ERR Invalid or negative value found in number of KEYS"),
    (
        (SE, "s", "f", "KEYS", 3, "k"),
        "ERR Number of pre declared KEYS to be used in the command does not match the number of given"
        " arguments",
    ),
    ((SE, "s", "f", "INPUTS"), "ERR Invalid arguments provided to AI.SCRIPTEXECUTE"),
    ((SE, "s", "f", "INPUTS", "x", "a"), "ERR Invalid argument for inputs count in AI.SCRIPTEXECUTE"),
    (
        (SE, "s", "f", "INPUTS", 1, "a", "ARGS", "x"),
        "ERR Invalid argument for keys count in AI.SCRIPTEXECUTE",
    ),
    (
        (SE, "s", "f", "INPUTS", 1, "a", "OUTPUTS", "x"),
        "ERR Invalid argument for outputs count in AI.SCRIPTEXECUTE",
    ),
    (
        (SE, "s", "f", "INPUTS", 2, "a"),
        "ERR number of inputs to AI.SCRIPTEXECUTE command does not match the number of given arguments",
    ),
    (
        (SE, "s", "f", "INPUTS", 1, "a", "ARGS", 2, "x"),
        "ERR number of args to AI.SCRIPTEXECUTE command does not match the number of given arguments",
    ),
    (
        (SE, "s", "f", "INPUTS", 1, "a", "OUTPUTS", 2, "x"),
        "ERR number of outputs to AI.SCRIPTEXECUTE command does not match the number of given arguments",
    ),
    (
        (SE, "s", "f", "INPUTS", 1, "a", "INPUTS", 1, "a"),
        "ERR Already Encountered INPUTS scope in AI.SCRIPTEXECUTE command",
    ),
    (
        (SE, "s", "f", "KEYS", 1, "k", "KEYS", 1, "k"),
        "ERR Already Encountered KEYS scope in AI.SCRIPTEXECUTE command",
    ),
    ((SE, "s", "f", "INPUTS", 1, "a", "TIMEOUT"), "ERR No value provided for TIMEOUT in AI.SCRIPTEXECUTE"),
    ((SE, "s", "f", "INPUTS", 1, "a", "TIMEOUT", -1), "ERR Invalid value for TIMEOUT"),
    ((SE, "s", "f", "INPUTS", 1, "a", "TIMEOUT", 5, "x"), "ERR Encountered problem parsing AI.SCRIPTEXECUTE"),
    (
        (SE, "s", "f", "INPUTS", 1, "a", "BOGUS"),
        "ERR Invalid AI.SCRIPTEXECUTE command. Unexpected argument: BOGUS",
    ),
    ((SE, "s", "f", "INPUTS", 1, "zz"), "ERR tensor key is empty or in a different shard"),
    ((SE, "s", "f", "INPUTS", 1, "s"), WRONGTYPE),
]

SR = "AI.SCRIPTRUN"
SCRIPTRUN_ERRORS = [
    ((SR, "s"), "ERR wrong number of arguments for 'AI.SCRIPTRUN' command"),
    ((SR, "nope", "f", "INPUTS", "a"), "ERR script key is empty"),
    ((SR, "s", "f", "TIMEOUT", 1, "TIMEOUT", 1), "ERR Already encountered an TIMEOUT section in SCRIPTRUN"),
    ((SR, "s", "f", "TIMEOUT", "x", "INPUTS", "a"), "ERR Invalid value for TIMEOUT"),
    (
        (SR, "s", "f", "INPUTS", "a", "OUTPUTS", "b", "INPUTS"),
        "ERR Already encountered an INPUTS section in SCRIPTRUN",
    ),
    ((SR, "s", "f", "INPUTS", "INPUTS"), "ERR Already encountered an INPUTS keyword in SCRIPTRUN"),
    (
        (SR, "s", "f", "INPUTS", "a", "OUTPUTS", "OUTPUTS"),
        "ERR Already encountered an OUTPUTS keyword in SCRIPTRUN",
    ),
    ((SR, "s", "f", "$"), "ERR Encountered a variable size list of tensors outside of input section"),
    ((SR, "s", "f", "INPUTS", "$", "a", "$"), "ERR Already encountered a variable size list of tensors"),
    ((SR, "s", "f", "a"), "ERR Unrecongnized parameter to SCRIPTRUN"),
    ((SR, "s", "f", "INPUTS", "zz", "OUTPUTS", "b"), "ERR tensor key is empty or in a different shard"),
]


@pytest.mark.parametrize(
    ("args", "expected"),
    MODELEXECUTE_ERRORS + MODELRUN_ERRORS + SCRIPTEXECUTE_ERRORS + SCRIPTRUN_ERRORS,
    ids=lambda v: " ".join(map(str, v)) if isinstance(v, tuple) else None,
)
def test_parse_errors(ai_server: Any, loaded: redis.Redis, args: tuple[Any, ...], expected: str) -> None:
    assert wire_error(ai_server, *args) == expected


def test_command_names_are_case_insensitive_but_arity_error_is_upper_case(
    ai_server: Any, loaded: redis.Redis
) -> None:
    assert (
        wire_error(ai_server, "ai.modelexecute", "m")
        == "ERR wrong number of arguments for 'AI.MODELEXECUTE' command"
    )


# ---------------------------------------------------------------- no worker


@pytest.mark.parametrize(
    "args",
    [
        (ME, "m", "INPUTS", 1, "a", "OUTPUTS", 1, "b"),
        (MR, "m", "INPUTS", "a", "OUTPUTS", "b"),
        (SE, "s", "f", "INPUTS", 1, "a", "OUTPUTS", 1, "b"),
        (SR, "s", "f", "INPUTS", "a", "OUTPUTS", "b"),
    ],
    ids=[ME, MR, SE, SR],
)
def test_no_worker_fails_at_once(ai_server: Any, loaded: redis.Redis, args: tuple[Any, ...]) -> None:
    started = time.monotonic()
    assert wire_error(ai_server, *args) == NO_TORCH_CPU
    assert time.monotonic() - started < 2.0
    assert loaded.exists("b") == 0


def test_worker_of_another_backend_or_device_does_not_count(
    ai_server: Any, loaded: redis.Redis, fake_workers: WorkerGroup
) -> None:
    fake_workers.start(1, device="GPU:1", backends=("TORCH",))
    fake_workers.start(1, device="CPU", backends=("ONNX",))
    assert wire_error(ai_server, ME, "m", "INPUTS", 1, "a", "OUTPUTS", 1, "b") == NO_TORCH_CPU
    loaded.execute_command("AI.MODELSTORE", "g", "TORCH", "gpu:1", "BLOB", b"scale:2")
    assert loaded.execute_command(ME, "g", "INPUTS", 1, "a", "OUTPUTS", 1, "b") == b"OK"
    store_model(loaded, "o", "scale:2", backend="TFLITE")
    assert (
        wire_error(ai_server, ME, "o", "INPUTS", 1, "a", "OUTPUTS", 1, "b")
        == "ERR no worker serves backend TFLITE on device CPU"
    )


# ---------------------------------------------------------------- results


@pytest.mark.parametrize(
    ("dtype", "nptype"),
    [
        ("FLOAT", np.float32),
        ("DOUBLE", np.float64),
        ("INT32", np.int32),
        ("INT64", np.int64),
        ("UINT8", np.uint8),
    ],
)
def test_modelexecute_writes_outputs(
    loaded: redis.Redis, fake_worker: WorkerGroup, dtype: str, nptype: Any
) -> None:
    store_model(loaded, "m3", "scale:3")
    x = np.arange(24).reshape(2, 3, 4).astype(nptype)
    y = (np.arange(5) + 1).astype(nptype)
    set_tensor(loaded, "x", x, dtype)
    set_tensor(loaded, "y", y, dtype)
    assert loaded.execute_command(ME, "m3", "INPUTS", 2, "x", "y", "OUTPUTS", 3, "o1", "o2", "o3") == b"OK"
    for key, source in (("o1", x), ("o2", y), ("o3", x)):
        got_dtype, shape, blob = get_tensor(loaded, key)
        assert got_dtype == dtype
        assert shape == list(source.shape)
        assert blob == (source * 3).astype(nptype).tobytes()


def test_outputs_replace_existing_tensors_and_inputs_are_taken_at_command_time(
    loaded: redis.Redis, fake_worker: WorkerGroup
) -> None:
    set_tensor(loaded, "b", np.zeros(1, dtype=np.int8), "INT8")
    assert loaded.execute_command(ME, "m", "INPUTS", 1, "a", "OUTPUTS", 1, "b", "TIMEOUT", 5000) == b"OK"
    assert get_tensor(loaded, "b")[1] == [2, 3]
    assert np.array_equal(np.frombuffer(get_tensor(loaded, "b")[2], np.float32), np.arange(6) * 2)


def test_modelrun_and_scripts(loaded: redis.Redis, fake_worker: WorkerGroup) -> None:
    doubled = (np.arange(6, dtype=np.float32) * 2).tobytes()
    assert loaded.execute_command(MR, "m", "TIMEOUT", 5000, "INPUTS", "a", "OUTPUTS", "b1") == b"OK"
    assert (
        loaded.execute_command(
            SE, "s", "f", "KEYS", 1, "k", "INPUTS", 1, "a", "ARGS", 1, "3", "OUTPUTS", 1, "b2"
        )
        == b"OK"
    )
    assert loaded.execute_command(SR, "s", "legacy", "INPUTS", "a", "$", "a", "OUTPUTS", "b3", "b4") == b"OK"
    for key in ("b1", "b2", "b3", "b4"):
        assert get_tensor(loaded, key)[2] == doubled
    # A script without OUTPUTS succeeds and writes nothing.
    assert loaded.execute_command(SE, "s", "f", "INPUTS", 1, "a") == b"OK"


def test_worker_error_is_the_reply(ai_server: Any, loaded: redis.Redis, fake_worker: WorkerGroup) -> None:
    store_model(loaded, "bad", "fail:Incompatible shapes: [2] vs. [2,2,3]")
    assert (
        wire_error(ai_server, ME, "bad", "INPUTS", 1, "a", "OUTPUTS", 1, "b")
        == "Incompatible shapes: [2] vs. [2,2,3]"
    )
    store_script(loaded, "sbad", "fail:ERR boom")
    assert wire_error(ai_server, SE, "sbad", "f", "INPUTS", 1, "a", "OUTPUTS", 1, "b") == "ERR boom"
    assert loaded.exists("b") == 0
    info = loaded.execute_command("AI.INFO", "bad")
    fields = dict(zip(info[::2], info[1::2], strict=True))
    assert (fields[b"calls"], fields[b"errors"]) == (1, 1)


def test_output_count_mismatch(ai_server: Any, loaded: redis.Redis, fake_worker: WorkerGroup) -> None:
    store_model(loaded, "two", "outputs:2")
    assert (
        wire_error(ai_server, ME, "two", "INPUTS", 1, "a", "OUTPUTS", 1, "b")
        == "ERR Model did not generate the expected number of outputs"
    )
    store_script(loaded, "stwo", "outputs:2")
    assert (
        wire_error(ai_server, SE, "stwo", "f", "INPUTS", 1, "a", "OUTPUTS", 1, "b")
        == "Function returned unexpected number of outputs - f"
    )


def test_output_key_of_another_type_is_wrongtype_and_nothing_is_written(
    ai_server: Any, loaded: redis.Redis, fake_worker: WorkerGroup
) -> None:
    assert wire_error(ai_server, ME, "m", "INPUTS", 1, "a", "OUTPUTS", 2, "fresh", "s") == WRONGTYPE
    assert loaded.exists("fresh") == 0
    assert loaded.type("s") == b"AI_SCRIPT"


def test_stats_are_recorded(loaded: redis.Redis, fake_worker: WorkerGroup) -> None:
    for _ in range(3):
        loaded.execute_command(ME, "m", "INPUTS", 1, "a", "OUTPUTS", 1, "b")
    info = loaded.execute_command("AI.INFO", "m")
    fields = dict(zip(info[::2], info[1::2], strict=True))
    assert (fields[b"calls"], fields[b"errors"], fields[b"samples"]) == (3, 0, 6)


def test_many_concurrent_callers(ai_server: Any, loaded: redis.Redis, fake_workers: WorkerGroup) -> None:
    fake_workers.start(2)
    errors: list[BaseException] = []

    def caller(i: int) -> None:
        try:
            client = ai_server.client()
            set_tensor(client, f"in{i}", np.full(3, i, dtype=np.int32), "INT32")
            assert client.execute_command(ME, "m", "INPUTS", 1, f"in{i}", "OUTPUTS", 1, f"out{i}") == b"OK"
            assert np.array_equal(
                np.frombuffer(get_tensor(client, f"out{i}")[2], np.int32), np.full(3, 2 * i)
            )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors


# ---------------------------------------------------------------- blocking rules


def test_refused_inside_multi(loaded: redis.Redis) -> None:
    pipe = loaded.pipeline(transaction=True)
    pipe.execute_command(ME, "m", "INPUTS", 1, "a", "OUTPUTS", 1, "b")
    pipe.execute_command(SE, "s", "f", "INPUTS", 1, "a")
    results = pipe.execute(raise_on_error=False)
    assert [str(r) for r in results] == [
        "Cannot run RedisAI command within a transaction or a LUA script"
    ] * 2


def test_refused_inside_lua(loaded: redis.Redis) -> None:
    with pytest.raises(
        redis.ResponseError, match="Cannot run RedisAI command within a transaction or a LUA script"
    ):
        loaded.eval("return redis.call('AI.MODELEXECUTE', 'm', 'INPUTS', 1, 'a', 'OUTPUTS', 1, 'b')", 0)


def test_keys_are_declared(loaded: redis.Redis) -> None:
    assert loaded.command_getkeys(ME, "m", "INPUTS", 2, "a", "b", "OUTPUTS", 1, "c", "TIMEOUT", 5) == [
        "m",
        "a",
        "b",
        "c",
    ]
    assert loaded.command_getkeys(MR, "m", "TIMEOUT", 5, "INPUTS", "a", "b", "OUTPUTS", "c") == [
        "m",
        "a",
        "b",
        "c",
    ]
    assert loaded.command_getkeys(
        SE, "s", "f", "KEYS", 1, "k", "INPUTS", 1, "a", "ARGS", 1, "x", "OUTPUTS", 1, "c"
    ) == ["s", "k", "a", "c"]
    assert loaded.command_getkeys(SR, "s", "f", "TIMEOUT", 5, "INPUTS", "a", "$", "b", "OUTPUTS", "c") == [
        "s",
        "a",
        "b",
        "c",
    ]


# ---------------------------------------------------------------- timeouts and disconnects


def occupy_worker(ai_server: Any, client: redis.Redis, ms: int) -> tuple[threading.Thread, dict[str, Any]]:
    """Start a slow job on the (single) worker and return once it runs."""
    store_model(client, "slow", f"sleep:{ms}")
    thread, result = in_background(
        lambda: ai_server.client().execute_command(ME, "slow", "INPUTS", 1, "a", "OUTPUTS", 1, "slow_out")
    )
    admin = ai_server.client()
    wait_for(
        lambda: any(w[3] for w in admin.execute_command("AI._WORKER.LIST")), what="the slow job to start"
    )
    return thread, result


def test_timeout_while_queued(ai_server: Any, loaded: redis.Redis, fake_worker: WorkerGroup) -> None:
    thread, result = occupy_worker(ai_server, loaded, 2000)
    started = time.monotonic()
    reply = loaded.execute_command(ME, "m", "INPUTS", 1, "a", "OUTPUTS", 1, "late", "TIMEOUT", 100)
    assert reply == b"TIMEDOUT"
    assert time.monotonic() - started < 1.5
    assert loaded.exists("late") == 0
    thread.join(30)
    assert result.get("value") == b"OK"
    # The timed-out job never reached the worker.
    assert [r["key"] for r in fake_worker.runs()] == ["slow"]


def test_timeout_does_not_interrupt_a_running_job(loaded: redis.Redis, fake_worker: WorkerGroup) -> None:
    store_model(loaded, "slow", "sleep:400")
    assert loaded.execute_command(ME, "slow", "INPUTS", 1, "a", "OUTPUTS", 1, "b", "TIMEOUT", 100) == b"OK"
    assert loaded.exists("b") == 1


def test_caller_disconnect_while_queued(
    ai_server: Any, loaded: redis.Redis, fake_worker: WorkerGroup
) -> None:
    thread, _ = occupy_worker(ai_server, loaded, 800)
    store_model(loaded, "dropped", "scale:2")
    sock = send_and_leave(ai_server, ME, "dropped", "INPUTS", 1, "a", "OUTPUTS", 1, "gone")
    wait_for(lambda: blocked_callers(loaded, "ai.modelexecute") >= 2, what="the second caller to block")
    sock.close()
    wait_for(lambda: blocked_callers(loaded, "ai.modelexecute") == 1, what="the disconnect to be noticed")
    assert loaded.ping()
    thread.join(30)
    assert loaded.execute_command(ME, "m", "INPUTS", 1, "a", "OUTPUTS", 1, "after") == b"OK"
    assert [r["key"] for r in fake_worker.runs()] == ["slow", "m"]
    assert loaded.exists("gone") == 0


def test_caller_disconnect_while_running(
    ai_server: Any, loaded: redis.Redis, fake_worker: WorkerGroup
) -> None:
    store_model(loaded, "slow", "sleep:300")
    sock = send_and_leave(ai_server, ME, "slow", "INPUTS", 1, "a", "OUTPUTS", 1, "gone")
    wait_for(lambda: fake_worker.runs(), what="the job to start")
    sock.close()
    assert loaded.ping()
    wait_for(
        lambda: not any(w[3] for w in loaded.execute_command("AI._WORKER.LIST")), what="the worker to report"
    )
    assert loaded.exists("gone") == 0
    assert loaded.execute_command(ME, "m", "INPUTS", 1, "a", "OUTPUTS", 1, "after") == b"OK"


# ---------------------------------------------------------------- worker loss


def test_worker_killed_mid_job_fails_the_caller_at_once(
    ai_server: Any, loaded: redis.Redis, fake_worker: WorkerGroup
) -> None:
    store_model(loaded, "slow", "sleep:20000")
    thread, result = in_background(
        lambda: ai_server.client().execute_command(ME, "slow", "INPUTS", 1, "a", "OUTPUTS", 1, "b")
    )
    wait_for(lambda: fake_worker.runs(), what="the job to start")
    started = time.monotonic()
    fake_worker.processes[0].kill()
    thread.join(10)
    assert time.monotonic() - started < 5
    assert isinstance(result.get("error"), redis.ResponseError)
    assert str(result["error"]) == (
        "worker lost: the worker running this request disconnected and no worker serves backend TORCH"
        " on device CPU"
    )
    assert loaded.ping()
    wait_for(lambda: fake_worker.registered() == 0, what="the registry to drop the worker")


def test_job_is_retried_once_on_another_worker(
    ai_server: Any, loaded: redis.Redis, fake_workers: WorkerGroup, tmp_path: Any
) -> None:
    fake_workers.start(2)
    store_model(loaded, "flaky", f"dieonce:{tmp_path / 'died'}")
    assert loaded.execute_command(ME, "flaky", "INPUTS", 1, "a", "OUTPUTS", 1, "b") == b"OK"
    assert np.array_equal(np.frombuffer(get_tensor(loaded, "b")[2], np.float32), np.arange(6) * 2)
    assert len(fake_workers.runs()) == 2


def test_second_worker_loss_fails_the_job(
    ai_server: Any, loaded: redis.Redis, fake_workers: WorkerGroup
) -> None:
    fake_workers.start(3)
    store_model(loaded, "deadly", "die")
    assert (
        wire_error(ai_server, ME, "deadly", "INPUTS", 1, "a", "OUTPUTS", 1, "b")
        == "ERR worker lost: the worker running this request disconnected (tried twice)"
    )
    wait_for(lambda: fake_workers.registered() == 1, what="two workers to be dropped")
    assert loaded.execute_command(ME, "m", "INPUTS", 1, "a", "OUTPUTS", 1, "b") == b"OK"


def test_waiting_jobs_fail_when_the_last_worker_goes(
    ai_server: Any, loaded: redis.Redis, fake_worker: WorkerGroup
) -> None:
    thread, result = occupy_worker(ai_server, loaded, 20000)
    queued, queued_result = in_background(
        lambda: ai_server.client().execute_command(ME, "m", "INPUTS", 1, "a", "OUTPUTS", 1, "b")
    )
    wait_for(lambda: blocked_callers(loaded, "ai.modelexecute") >= 2, what="the second caller to block")
    fake_worker.processes[0].kill()
    queued.join(10)
    thread.join(10)
    assert str(queued_result.get("error")) == "no worker serves backend TORCH on device CPU"
    assert "worker lost" in str(result.get("error"))


# ---------------------------------------------------------------- replication


def test_outputs_are_propagated_as_tensorset_blob(ai_server_factory: Any, tmp_path: Any) -> None:
    server = ai_server_factory(extra_args=["--appendonly", "yes", "--appendfsync", "always"])
    client = server.client()
    group = WorkerGroup(server, tmp_path / "aof-runs.jsonl")
    try:
        group.start(1)
        store_model(client, "m", "scale:2")
        set_tensor(client, "a", np.arange(6, dtype=np.float32).reshape(2, 3), "FLOAT")
        assert client.execute_command(ME, "m", "INPUTS", 1, "a", "OUTPUTS", 1, "out") == b"OK"
    finally:
        group.stop()
    aof = b"".join(p.read_bytes() for p in server.workdir.rglob("*.aof*") if p.is_file())
    doubled = (np.arange(6, dtype=np.float32) * 2).tobytes()
    expected = _pack(("AI.TENSORSET", "out", "FLOAT", 2, 3, "BLOB", doubled))
    assert expected in aof
    assert b"MODELEXECUTE" not in aof.upper()
