"""AI.DAGEXECUTE / AI.DAGEXECUTE_RO: parse errors, local tensors, PERSIST, failures, timeouts."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest
import redis

from .conftest import WorkerGroup, wait_for
from .test_execute_commands import (
    get_tensor,
    occupy_worker,
    send_and_leave,
    set_tensor,
    store_model,
    wire_error,
)

DAG = "AI.DAGEXECUTE"
RO = "AI.DAGEXECUTE_RO"
X = np.arange(6, dtype=np.float32).reshape(2, 3)


@pytest.fixture
def loaded(ai_server: Any) -> redis.Redis:
    client = ai_server.client()
    store_model(client, "m", "scale:2")
    client.execute_command("AI.SCRIPTSTORE", "s", "CPU", "ENTRY_POINTS", 1, "f", "SOURCE", "scale:3")
    set_tensor(client, "a", X, "FLOAT")
    client.execute_command("SET", "str", "x")
    return client


OP = ("|>", "AI.TENSORGET", "a")
DAG_ERRORS = [
    ((DAG, "LOAD", 1, "a", "|>"), "ERR missing arguments for 'AI.DAGEXECUTE' command"),
    ((RO, "LOAD", 1, "a", "|>"), "ERR missing arguments for 'AI.DAGEXECUTE_RO' command"),
    (
        (DAG, "LOAD", "|>", "AI.TENSORGET", "a", "META"),
        "ERR invalid or negative value found in number of keys to LOAD",
    ),
    ((DAG, "LOAD", 0, "a", *OP), "ERR invalid or negative value found in number of keys to LOAD"),
    (
        (DAG, "LOAD", 9, "a", *OP),
        "ERR number of keys to LOAD into DAG does not match the number of given arguments",
    ),
    ((DAG, "LOAD", 1, "zz", *OP), "ERR tensor key is empty or in a different shard"),
    ((DAG, "LOAD", 1, "str", *OP), "WRONGTYPE Operation against a key holding the wrong kind of value"),
    ((DAG, "PERSIST", 0, "a", *OP), "ERR invalid or negative value found in number of keys to PERSIST"),
    ((DAG, "LOAD", 1, "a", "PERSIST", 2, "b", "b", *OP), "ERR PERSIST keys must be unique"),
    ((RO, "LOAD", 1, "a", "PERSIST", 1, "a", *OP), "ERR PERSIST cannot be specified in a read-only DAG"),
    ((DAG, "LOAD", 1, "a", "TIMEOUT", 5, "ROUTING"), "ERR Missing ROUTING value"),
    ((DAG, "LOAD", 1, "a", "TIMEOUT", "x", *OP), "ERR Invalid value for TIMEOUT"),
    ((DAG, "LOAD", 1, "a", "LOAD", 1, "a", *OP), "ERR Invalid DAG command. Unexpected argument:  LOAD"),
    ((DAG, "TIMEOUT", 5, "FOO", "x", *OP), "ERR Invalid DAG command. Unexpected argument:  FOO"),
    (
        (DAG, "TIMEOUT", 5, "|>", "AI.TENSORSET", "t", "FLOAT", 1),
        "ERR AI.DAGEXECUTE and AI.DAGEXECUTE_RO commands must contain at least one out of ROUTING, LOAD,"
        " PERSIST keywords",
    ),
    ((DAG, "LOAD", 1, "a", "ROUTING", "a"), "ERR DAG is empty"),
    ((DAG, "LOAD", 1, "a", "|>", "AI.INFO", "a"), "Unsupported command within DAG"),
    (
        (DAG, "LOAD", 1, "a", "|>", "AI.MODELRUN", "m"),
        "Deprecated AI.MODELRUN cannot be used in AI.DAGEXECUTE command",
    ),
    (
        (RO, "LOAD", 1, "a", "|>", "AI.SCRIPTEXECUTE", "s", "f", "INPUTS", 1, "a"),
        "ERR AI.SCRIPTEXECUTE command cannot be specified in a read-only DAG",
    ),
    (
        (
            DAG,
            "LOAD",
            1,
            "a",
            "|>",
            "AI.MODELEXECUTE",
            "m",
            "INPUTS",
            1,
            "a",
            "OUTPUTS",
            1,
            "b",
            "TIMEOUT",
            5,
        ),
        "ERR TIMEOUT not allowed within a DAG command",
    ),
    (
        (DAG, "LOAD", 1, "a", "|>", "AI.MODELEXECUTE", "m", "INPUTS", 1, "q", "OUTPUTS", 1, "b"),
        "ERR INPUT key cannot be found in DAG",
    ),
    ((DAG, "LOAD", 1, "a", "|>", "AI.TENSORGET", "q"), "ERR INPUT key cannot be found in DAG"),
    ((DAG, "LOAD", 1, "a", "PERSIST", 1, "q", *OP), "ERR PERSIST key cannot be found in DAG"),
    (
        (DAG, "LOAD", 1, "a", "|>", "AI.TENSORSET", "t"),
        "wrong number of arguments for 'AI.TENSORSET' command",
    ),
    ((DAG, "LOAD", 1, "a", "|>", "AI.TENSORSET", "t", "BAD", 1), "ERR invalid data type"),
    ((DAG, "LOAD", 1, "a", "|>", "AI.TENSORGET", "a", "FOO"), "ERR unsupported data format"),
    (
        (DAG, "LOAD", 1, "a", "|>", "AI.MODELEXECUTE", "nope", "INPUTS", 1, "a", "OUTPUTS", 1, "b"),
        "ERR model key is empty",
    ),
    (
        (DAG, "LOAD", 1, "a", "|>", "AI.MODELEXECUTE", "m", "INPUTS", 1, "a", "OUTPUTS", 1, "b"),
        "ERR no worker serves backend TORCH on device CPU",
    ),
]


@pytest.mark.parametrize(
    ("args", "expected"), DAG_ERRORS, ids=lambda v: " ".join(map(str, v)) if isinstance(v, tuple) else None
)
def test_parse_errors(ai_server: Any, loaded: redis.Redis, args: tuple[Any, ...], expected: str) -> None:
    assert wire_error(ai_server, *args) == expected


def test_local_tensors_only(loaded: redis.Redis) -> None:
    reply = loaded.execute_command(
        RO,
        "ROUTING",
        "x",
        "|>",
        "AI.TENSORSET",
        "t",
        "INT8",
        2,
        "VALUES",
        1,
        2,
        "|>",
        "AI.TENSORGET",
        "t",
        "VALUES",
    )
    assert reply == [b"OK", [1, 2]]
    assert loaded.exists("t") == 0


def test_models_scripts_and_persist(loaded: redis.Redis, fake_worker: WorkerGroup) -> None:
    reply = loaded.execute_command(
        DAG,
        "LOAD", 1, "a",
        "PERSIST", 2, "c", "d",
        "|>", "AI.MODELEXECUTE", "m", "INPUTS", 1, "a", "OUTPUTS", 1, "b",
        "|>", "AI.SCRIPTEXECUTE", "s", "f", "INPUTS", 1, "b", "OUTPUTS", 1, "c",
        "|>", "AI.TENSORSET", "d", "FLOAT", 1, "VALUES", 5,
        "|>", "AI.TENSORGET", "c", "META",
    )  # fmt: skip
    assert reply == [b"OK", b"OK", b"OK", [b"dtype", b"FLOAT", b"shape", [2, 3]]]
    assert get_tensor(loaded, "c")[2] == (X * 6).tobytes()
    assert get_tensor(loaded, "d")[1] == [1]
    assert loaded.exists("b") == 0


def test_failed_op_skips_the_rest_and_persists_nothing(
    ai_server: Any, loaded: redis.Redis, fake_worker: WorkerGroup
) -> None:
    store_model(loaded, "bad", "fail:ERR boom")
    reply = loaded.execute_command(
        DAG,
        "LOAD", 1, "a",
        "PERSIST", 1, "b",
        "|>", "AI.MODELEXECUTE", "m", "INPUTS", 1, "a", "OUTPUTS", 1, "b",
        "|>", "AI.MODELEXECUTE", "bad", "INPUTS", 1, "b", "OUTPUTS", 1, "c",
        "|>", "AI.MODELEXECUTE", "m", "INPUTS", 1, "c", "OUTPUTS", 1, "d",
        "|>", "AI.TENSORGET", "d", "BLOB",
    )  # fmt: skip
    assert reply[0] == b"OK"
    assert isinstance(reply[1], redis.ResponseError) and str(reply[1]) == "boom"
    assert reply[2:] == [b"NA", b"NA"]
    assert loaded.exists("b") == 0


def test_timeout_while_queued(ai_server: Any, loaded: redis.Redis, fake_worker: WorkerGroup) -> None:
    thread, _ = occupy_worker(ai_server, loaded, 1500)
    started = time.monotonic()
    reply = loaded.execute_command(
        DAG, "LOAD", 1, "a", "PERSIST", 1, "b", "TIMEOUT", 100,
        "|>", "AI.MODELEXECUTE", "m", "INPUTS", 1, "a", "OUTPUTS", 1, "b",
    )  # fmt: skip
    assert reply == b"TIMEDOUT"
    assert time.monotonic() - started < 1.2
    assert loaded.exists("b") == 0
    thread.join(30)


def test_keys_are_declared(loaded: redis.Redis) -> None:
    keys = loaded.command_getkeys(
        DAG, "LOAD", 1, "a", "PERSIST", 1, "p", "ROUTING", "r",
        "|>", "AI.MODELEXECUTE", "m", "INPUTS", 1, "a", "OUTPUTS", 1, "p",
        "|>", "AI.SCRIPTEXECUTE", "s", "f", "INPUTS", 1, "a",
    )  # fmt: skip
    assert keys == ["a", "p", "r", "m", "s"]


def test_refused_inside_multi(loaded: redis.Redis) -> None:
    pipe = loaded.pipeline(transaction=True)
    pipe.execute_command(RO, "LOAD", 1, "a", "|>", "AI.TENSORGET", "a", "META")
    [result] = pipe.execute(raise_on_error=False)
    assert str(result) == "Cannot run RedisAI command within a transaction or a LUA script"


def test_caller_disconnect_while_an_op_runs(
    ai_server: Any, loaded: redis.Redis, fake_worker: WorkerGroup
) -> None:
    store_model(loaded, "slow", "sleep:300")
    sock = send_and_leave(
        ai_server, DAG, "LOAD", 1, "a", "PERSIST", 1, "b",
        "|>", "AI.MODELEXECUTE", "slow", "INPUTS", 1, "a", "OUTPUTS", 1, "b",
    )  # fmt: skip
    wait_for(lambda: fake_worker.runs(), what="the op to start")
    sock.close()
    assert loaded.ping()
    wait_for(
        lambda: not any(w[3] for w in loaded.execute_command("AI._WORKER.LIST")), what="the worker to report"
    )
    assert loaded.exists("b") == 0
    reply = loaded.execute_command(
        DAG,
        "LOAD",
        1,
        "a",
        "PERSIST",
        1,
        "b",
        "|>",
        "AI.MODELEXECUTE",
        "m",
        "INPUTS",
        1,
        "a",
        "OUTPUTS",
        1,
        "b",
    )
    assert reply == [b"OK"]
    assert get_tensor(loaded, "b")[2] == (X * 2).tobytes()


# ---------------------------------------------------------------- deprecated AI.DAGRUN / AI.DAGRUN_RO

DAGRUN_ERRORS = [
    (("AI.DAGRUN", "|>", "AI.TENSORGET"), "ERR wrong number of arguments for 'AI.DAGRUN' command"),
    (("AI.DAGRUN_RO", "|>", "AI.TENSORGET"), "ERR wrong number of arguments for 'AI.DAGRUN_RO' command"),
    (
        ("AI.DAGRUN", "LOAD", 1, "a", "|>", "AI.MODELEXECUTE", "m", "INPUTS", 1, "a", "OUTPUTS", 1, "b"),
        "AI.MODELEXECUTE cannot be used in a deprecated AI.DAGRUN command",
    ),
    (
        ("AI.DAGRUN", "LOAD", 1, "a", "|>", "AI.SCRIPTEXECUTE", "s", "f", "INPUTS", 1, "a"),
        "AI.SCRIPTEXECUTE cannot be used in a deprecated AI.DAGRUN command",
    ),
    (
        ("AI.DAGRUN", "LOAD", 1, "a", "|>", "AI.MODELRUN", "m", "TIMEOUT", 5, "INPUTS", "a", "OUTPUTS", "b"),
        "ERR TIMEOUT not allowed within a DAG command",
    ),
    (
        ("AI.DAGRUN", "LOAD", 1, "a", "|>", "AI.MODELRUN", "m", "INPUTS", "q", "OUTPUTS", "b"),
        "ERR INPUT key cannot be found in DAG",
    ),
]


@pytest.mark.parametrize(
    ("args", "expected"), DAGRUN_ERRORS, ids=lambda v: " ".join(map(str, v)) if isinstance(v, tuple) else None
)
def test_dagrun_parse_errors(
    ai_server: Any, loaded: redis.Redis, args: tuple[Any, ...], expected: str
) -> None:
    assert wire_error(ai_server, *args) == expected


def test_dagrun_with_modelrun_and_scriptrun(loaded: redis.Redis, fake_worker: WorkerGroup) -> None:
    reply = loaded.execute_command(
        "AI.DAGRUN", "LOAD", 1, "a", "PERSIST", 1, "c",
        "|>", "AI.MODELRUN", "m", "INPUTS", "a", "OUTPUTS", "b",
        "|>", "AI.SCRIPTRUN", "s", "legacy", "INPUTS", "b", "$", "b", "OUTPUTS", "c",
    )  # fmt: skip
    assert reply == [b"OK", b"OK"]
    assert get_tensor(loaded, "c")[2] == (X * 6).tobytes()
    keys = loaded.command_getkeys(
        "AI.DAGRUN",
        "LOAD",
        1,
        "a",
        "PERSIST",
        1,
        "c",
        "|>",
        "AI.MODELRUN",
        "m",
        "INPUTS",
        "a",
        "OUTPUTS",
        "c",
    )
    assert keys == ["a", "c", "m"]
