"""Unit tests of the worker's pure parts: batching, the cache, the protocol's parsing."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartsim.server.worker.batching import BATCH_SIZE_ERROR, BatchSizeError, concat, run_batched, split
from smartsim.server.worker.cache import LRUCache
from smartsim.server.worker.protocol import decode_tensor, encode_tensor, one_line, parse_run


def model(inputs: list[np.ndarray]) -> list[np.ndarray]:
    """A row-wise stand-in for a model: two outputs per row."""
    a, b = inputs
    return [a * 2 + b, (a - b).sum(axis=1, keepdims=True)]


@given(st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=6), st.integers(0, 2**31))
def test_batched_equals_unbatched(sizes: list[int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    requests = [[rng.standard_normal((n, 3)), rng.standard_normal((n, 3))] for n in sizes]
    batched = run_batched(model, requests)
    assert len(batched) == len(requests)
    for request, outputs in zip(requests, batched, strict=True):
        expected = model(request)
        assert len(outputs) == len(expected)
        for got, want in zip(outputs, expected, strict=True):
            np.testing.assert_allclose(got, want)


def test_wrong_batch_size_is_reported() -> None:
    requests = [[np.ones((2, 1))], [np.ones((3, 1))]]
    with pytest.raises(BatchSizeError, match=BATCH_SIZE_ERROR):
        run_batched(lambda x: [x[0][:1]], requests)
    with pytest.raises(BatchSizeError):
        split([np.float64(1.0) * np.ones(())], [1, 1])


def test_single_request_is_passed_through() -> None:
    inputs = [np.ones((2, 2))]
    assert concat([inputs])[0] is inputs[0]
    out = [np.zeros((7,))]
    assert split(out, [2])[0][0] is out[0]


def test_lru_cache() -> None:
    cache: LRUCache[str] = LRUCache(2)
    cache.put("a", "1")
    cache.put("b", "2")
    assert cache.get("a") == "1"
    cache.put("c", "3")
    assert "b" not in cache and "a" in cache and "c" in cache
    assert len(cache) == 2
    with pytest.raises(ValueError):
        LRUCache(0)


def test_tensor_round_trip_and_parse_run() -> None:
    array = np.arange(6, dtype=np.int32).reshape(2, 3)
    name, ndim, *rest = encode_tensor(array)
    assert (name, ndim, rest[:2]) == ("INT32", 2, [2, 3])
    decoded = decode_tensor([b"INT32", [2, 3], rest[2]])
    np.testing.assert_array_equal(decoded, array)
    request = [
        b"job",
        5,
        b"keys",
        [b"k"],
        b"args",
        [b"1"],
        b"noutputs",
        1,
        b"inputs",
        [[b"INT32", [2, 3], rest[2]]],
    ]
    reply = [
        b"run", 7, b"kind", b"SCRIPT", b"key", b"s", b"version", 3, b"backend", b"TORCH",
        b"device", b"cpu", b"function", b"f", b"entry_point", 1, b"requests", [request],
    ]  # fmt: skip
    run = parse_run(reply)
    assert (run.run, run.kind, run.key, run.version, run.device, run.function) == (
        7,
        "SCRIPT",
        "s",
        3,
        "cpu",
        "f",
    )
    assert run.entry_point is True
    assert run.requests[0].keys == ["k"] and run.requests[0].args == ["1"] and run.requests[0].noutputs == 1
    np.testing.assert_array_equal(run.requests[0].inputs[0], array)
    assert one_line("a\nb") == "a b"
