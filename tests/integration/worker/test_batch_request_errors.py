"""Per-request outcomes of a batched run: one caller's bad request fails only that caller.

The module merges several callers' requests of one model into one run (BATCHSIZE); the worker
reports each request's outputs or error (``DONE <run> OK <duration> ... ERR <message> ...``).
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

import numpy as np
import pytest
import redis
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

from .conftest import Supervisor
from .models import torch_bytes

REJECTED = "negative input rejected"


class RejectsNegative(nn.Module):
    """Doubles its input; raises when any element is negative (so a merged batch with one bad
    request fails as a whole)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if bool((x < 0).any()):
            raise RuntimeError("negative input rejected")
        return x * 2


def fields(reply: list[Any]) -> dict[str, Any]:
    return {reply[i].decode(): reply[i + 1] for i in range(0, len(reply), 2)}


def call_all(calls: list[Any]) -> list[Any]:
    """Run every call in its own thread; each one's return value or exception, in order."""
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            results[i] = calls[i]()
        except Exception as error:
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
        assert not thread.is_alive()
    return results


class Later(threading.Thread):
    """One call in the background; ``outcome`` is its value or its exception."""

    def __init__(self, call: Any) -> None:
        super().__init__(daemon=True)
        self.call = call
        self.outcome: Any = None

    def run(self) -> None:
        try:
            self.outcome = self.call()
        except Exception as error:
            self.outcome = error

    def result(self) -> Any:
        self.join(60)
        assert not self.is_alive()
        return self.outcome


def call_later(call: Any) -> Later:
    later = Later(call)
    later.start()
    return later


def test_done_carries_an_error_per_request(ai_server: Any) -> None:
    """The protocol level, with the test as the worker: request 2 of 3 gets its own error."""
    worker = ai_server.client()
    worker.execute_command("AI._WORKER.HELLO", "CPU", "TORCH")
    admin = ai_server.client()
    admin.execute_command(
        "AI.MODELSTORE", "m", "TORCH", "CPU", "BATCHSIZE", 3, "MINBATCHSIZE", 3, "BLOB", b"blob"
    )
    for i in range(3):
        admin.execute_command(
            "AI.TENSORSET", f"in{i}", "FLOAT", 1, 2, "BLOB", np.full(2, i, np.float32).tobytes()
        )
    callers = [
        call_later(
            lambda i=i: ai_server.client().execute_command(
                "AI.MODELEXECUTE", "m", "INPUTS", 1, f"in{i}", "OUTPUTS", 1, f"out{i}"
            )
        )
        for i in range(3)
    ]
    run = fields(worker.execute_command("AI._WORKER.NEXT", 30000))
    assert len(run["requests"]) == 3
    outputs = [np.full((1, 2), 10 + r, np.float32) for r in range(3)]
    args: list[Any] = []
    # Requests come in queue order; each one's input says whose it is (caller i sent i's).
    for request in run["requests"]:
        [(_, _, blob)] = fields(request)["inputs"]
        caller = int(np.frombuffer(blob, dtype=np.float32)[0])
        if caller == 1:
            args += ["ERR", "bad request\nnumber 1"]
        else:
            args += [1, "FLOAT", 2, 1, 2, outputs[caller].tobytes()]
    assert worker.execute_command("AI._WORKER.DONE", run["run"], "OK", 40, *args) == 1
    outcomes = [caller.result() for caller in callers]
    assert outcomes[0] == b"OK" and outcomes[2] == b"OK"
    assert isinstance(outcomes[1], redis.ResponseError)
    assert str(outcomes[1]) == "bad request number 1"
    for r in (0, 2):
        blob = admin.execute_command("AI.TENSORGET", f"out{r}", "BLOB")
        assert blob == outputs[r].tobytes()
    assert admin.exists("out1") == 0
    info = fields(admin.execute_command("AI.INFO", "m"))
    assert (info["calls"], info["errors"]) == (3, 1)


@pytest.mark.parametrize("item", [("ERR",), ("ERR", "")])
def test_request_error_item_without_message_is_malformed(ai_server: Any, item: tuple[str, ...]) -> None:
    worker = ai_server.client()
    worker.execute_command("AI._WORKER.HELLO", "CPU", "TORCH")
    admin = ai_server.client()
    admin.execute_command("AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", b"blob")
    admin.execute_command("AI.TENSORSET", "a", "FLOAT", 1, "VALUES", 1)
    caller = call_later(
        lambda: ai_server.client().execute_command(
            "AI.MODELEXECUTE", "m", "INPUTS", 1, "a", "OUTPUTS", 1, "b"
        )
    )
    run = fields(worker.execute_command("AI._WORKER.NEXT", 30000))
    with pytest.raises(redis.ResponseError, match="malformed result: missing request error message"):
        worker.execute_command("AI._WORKER.DONE", run["run"], "OK", 1, *item)
    assert "worker returned a malformed result" in str(caller.result())


def run_batch(ai_server: Any, key: str, arrays: list[np.ndarray]) -> list[Any]:
    """Every array run by its own caller (our smartredis client) through model ``key``."""
    from smartredis import Client

    address = f"{ai_server.host}:{ai_server.port}"
    clients = [Client(cluster=False, address=address) for _ in arrays]
    for i, (client, array) in enumerate(zip(clients, arrays, strict=True)):
        client.put_tensor(f"{key}.in{i}", array)

    def one(i: int) -> np.ndarray:
        clients[i].run_model(key, inputs=[f"{key}.in{i}"], outputs=[f"{key}.out{i}"])
        return np.asarray(clients[i].get_tensor(f"{key}.out{i}"))

    return call_all([lambda i=i: one(i) for i in range(len(arrays))])


_keys = itertools.count()


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.integers(1, 3), st.booleans()), min_size=2, max_size=5))
def test_mixed_batch_gives_each_caller_its_outcome(
    ai_server: Any, cpu_worker: Supervisor, requests: list[tuple[int, bool]]
) -> None:
    # A new key per example: the batch waits until every request of this example has arrived.
    key = f"rej{next(_keys)}"
    total = sum(rows for rows, _ in requests)
    ai_server.client().execute_command(
        "AI.MODELSTORE", key, "TORCH", "CPU", "BATCHSIZE", total, "MINBATCHSIZE", total,
        "MINBATCHTIMEOUT", 20000, "BLOB", torch_bytes(RejectsNegative()),
    )  # fmt: skip
    rng = np.random.default_rng(len(requests))
    arrays = []
    for rows, bad in requests:
        array = rng.uniform(0.0, 1.0, (rows, 3)).astype(np.float32)
        if bad:
            array[rows - 1, 1] = -1.0
        arrays.append(array)
    results = run_batch(ai_server, key, arrays)
    for (_, bad), array, result in zip(requests, arrays, results, strict=True):
        if bad:
            assert isinstance(result, Exception), result
            assert REJECTED in str(result)
        else:
            assert not isinstance(result, Exception), result
            np.testing.assert_array_equal(result, array * 2)
    info = fields(ai_server.client().execute_command("AI.INFO", key))
    assert (info["calls"], info["errors"]) == (len(requests), sum(bad for _, bad in requests))
    if any(bad for _, bad in requests) and not all(bad for _, bad in requests):
        assert "running them one by one" in cpu_worker.logs()


def test_wrong_batch_size_still_fails_every_request(ai_server: Any, cpu_worker: Supervisor) -> None:
    class FirstRow(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x[:1]

    ai_server.client().execute_command(
        "AI.MODELSTORE", "first", "TORCH", "CPU", "BATCHSIZE", 4, "MINBATCHSIZE", 4,
        "MINBATCHTIMEOUT", 20000, "BLOB", torch_bytes(FirstRow()),
    )  # fmt: skip
    results = run_batch(ai_server, "first", [np.ones((2, 2), np.float32), np.ones((2, 2), np.float32)])
    for result in results:
        assert isinstance(result, Exception)
        assert "Model did not generate the expected batch size" in str(result)
