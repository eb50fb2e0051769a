"""Batching of AI.MODELEXECUTE requests in the module queue: BATCHSIZE, MINBATCHSIZE, MINBATCHTIMEOUT.

The fake worker logs every run it receives (number of requests, dim 0 of each), which is the
worker's view of how the module formed batches.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import redis

from .conftest import WorkerGroup, wait_for
from .test_execute_commands import (
    blocked_callers,
    get_tensor,
    in_background,
    occupy_worker,
    set_tensor,
    store_model,
)

ME = "AI.MODELEXECUTE"


def start_callers(
    ai_server: Any, model: str, shapes: list[tuple[int, ...]]
) -> list[tuple[Any, dict[str, Any], np.ndarray]]:
    """One caller thread per shape, each with its own input tensor in<i> and output out<i>."""
    client = ai_server.client()
    callers = []
    for i, shape in enumerate(shapes):
        x = (np.arange(int(np.prod(shape)), dtype=np.float32) + 100 * i).reshape(shape)
        set_tensor(client, f"in{i}", x, "FLOAT")
        thread, result = in_background(
            lambda i=i: ai_server.client().execute_command(
                ME, model, "INPUTS", 1, f"in{i}", "OUTPUTS", 1, f"out{i}"
            )
        )
        callers.append((thread, result, x))
    return callers


def check_results(client: redis.Redis, callers: list[tuple[Any, dict[str, Any], np.ndarray]]) -> None:
    for i, (thread, result, x) in enumerate(callers):
        thread.join(30)
        assert result.get("value") == b"OK", result
        dtype, shape, blob = get_tensor(client, f"out{i}")
        assert (dtype, shape) == ("FLOAT", list(x.shape))
        assert blob == (x * 2).tobytes()


def runs_of(workers: WorkerGroup, key: str) -> list[dict[str, Any]]:
    return [r for r in workers.runs() if r["key"] == key]


def test_concurrent_requests_are_merged_up_to_batchsize(ai_server: Any, fake_worker: WorkerGroup) -> None:
    client = ai_server.client()
    set_tensor(client, "a", np.zeros(3, dtype=np.float32), "FLOAT")
    store_model(client, "bm", "scale:2", "BATCHSIZE", 4)
    blocker, _ = occupy_worker(ai_server, client, 1500)
    callers = start_callers(ai_server, "bm", [(1, 3), (2, 3), (1, 3)])
    wait_for(lambda: blocked_callers(client, ME) >= 4, what="the requests to queue")
    check_results(client, callers)
    blocker.join(30)
    assert [(r["requests"], sorted(r["rows"])) for r in runs_of(fake_worker, "bm")] == [(3, [1, 1, 2])]


def test_batch_stops_once_batchsize_is_reached(ai_server: Any, fake_worker: WorkerGroup) -> None:
    client = ai_server.client()
    set_tensor(client, "a", np.zeros(3, dtype=np.float32), "FLOAT")
    store_model(client, "bm", "scale:2", "BATCHSIZE", 2)
    blocker, _ = occupy_worker(ai_server, client, 1500)
    callers = start_callers(ai_server, "bm", [(1, 3)] * 3)
    wait_for(lambda: blocked_callers(client, ME) >= 4, what="the requests to queue")
    check_results(client, callers)
    blocker.join(30)
    assert sorted(r["requests"] for r in runs_of(fake_worker, "bm")) == [1, 2]


def test_incompatible_shapes_are_not_merged(ai_server: Any, fake_worker: WorkerGroup) -> None:
    client = ai_server.client()
    set_tensor(client, "a", np.zeros(3, dtype=np.float32), "FLOAT")
    store_model(client, "bm", "scale:2", "BATCHSIZE", 8)
    blocker, _ = occupy_worker(ai_server, client, 1500)
    callers = start_callers(ai_server, "bm", [(1, 3), (1, 4), (2, 3)])
    wait_for(lambda: blocked_callers(client, ME) >= 4, what="the requests to queue")
    check_results(client, callers)
    blocker.join(30)
    assert sorted(sorted(r["rows"]) for r in runs_of(fake_worker, "bm")) == [[1], [1, 2]]


def test_minbatchsize_holds_requests_until_enough_arrive(ai_server: Any, fake_worker: WorkerGroup) -> None:
    client = ai_server.client()
    store_model(client, "bm", "scale:2", "BATCHSIZE", 4, "MINBATCHSIZE", 3)
    first = start_callers(ai_server, "bm", [(1, 3), (1, 3)])
    wait_for(lambda: blocked_callers(client, ME) >= 2, what="the requests to queue")
    assert runs_of(fake_worker, "bm") == []
    x = np.ones((1, 3), dtype=np.float32)
    set_tensor(client, "in2", x, "FLOAT")
    assert client.execute_command(ME, "bm", "INPUTS", 1, "in2", "OUTPUTS", 1, "out2") == b"OK"
    check_results(client, first)
    assert [r["requests"] for r in runs_of(fake_worker, "bm")] == [3]


def test_minbatchtimeout_runs_a_short_batch(ai_server: Any, fake_worker: WorkerGroup) -> None:
    client = ai_server.client()
    store_model(client, "bm", "scale:2", "BATCHSIZE", 4, "MINBATCHSIZE", 3, "MINBATCHTIMEOUT", 300)
    started = time.monotonic()
    callers = start_callers(ai_server, "bm", [(1, 3)])
    check_results(client, callers)
    assert time.monotonic() - started >= 0.25
    assert [r["requests"] for r in runs_of(fake_worker, "bm")] == [1]


def test_batched_results_equal_unbatched(ai_server: Any, fake_worker: WorkerGroup) -> None:
    client = ai_server.client()
    set_tensor(client, "a", np.zeros(3, dtype=np.float32), "FLOAT")
    store_model(client, "plain", "scale:2")
    store_model(client, "bm", "scale:2", "BATCHSIZE", 16)
    blocker, _ = occupy_worker(ai_server, client, 1500)
    callers = start_callers(ai_server, "bm", [(2, 3)] * 5)
    wait_for(lambda: blocked_callers(client, ME) >= 6, what="the requests to queue")
    for thread, _, _ in callers:
        thread.join(30)
    blocker.join(30)
    assert [r["requests"] for r in runs_of(fake_worker, "bm")] == [5]
    for i in range(5):
        assert client.execute_command(ME, "plain", "INPUTS", 1, f"in{i}", "OUTPUTS", 1, f"ref{i}") == b"OK"
        assert get_tensor(client, f"out{i}") == get_tensor(client, f"ref{i}")
