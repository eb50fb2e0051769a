"""STRING tensors in the worker protocol, and per-request outcomes of batched runs."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from smartsim.server.worker.batching import (
    BATCH_SIZE_ERROR,
    BatchSizeError,
    outcomes_per_request,
    run_batched,
)
from smartsim.server.worker.protocol import (
    ProtocolError,
    WorkerError,
    decode_tensor,
    encode_outputs,
    encode_tensor,
)

# Elements of a STRING tensor: any bytes but NUL (the element terminator).
elements = st.binary(max_size=12).filter(lambda b: b"\0" not in b)
shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)


def object_array(shape: tuple[int, ...], values: Sequence[bytes]) -> np.ndarray:
    array = np.empty(int(np.prod(shape, dtype=np.int64)), dtype=object)
    array[:] = list(values)
    return array.reshape(shape)


@st.composite
def string_arrays(draw: st.DrawFn) -> np.ndarray:
    shape = draw(shapes)
    count = int(np.prod(shape, dtype=np.int64))
    return object_array(shape, draw(st.lists(elements, min_size=count, max_size=count)))


def round_trip(array: np.ndarray) -> np.ndarray:
    """Encode as a DONE output, then decode as NEXT would deliver it."""
    name, ndims, *rest = encode_tensor(array)
    dims, blob = rest[:ndims], rest[ndims]
    return decode_tensor([name.encode(), dims, blob])


@given(string_arrays())
def test_string_round_trip(array: np.ndarray) -> None:
    decoded = round_trip(array)
    assert decoded.dtype == object
    assert decoded.shape == array.shape
    assert decoded.tolist() == array.tolist()
    assert all(type(value) is bytes for value in decoded.reshape(-1))


def test_string_blob_layout() -> None:
    array = object_array((2, 2), [b"a", b"", "é".encode(), b"xyz"])
    assert encode_tensor(array) == ["STRING", 2, 2, 2, b"a\0\0\xc3\xa9\0xyz\0"]
    decoded = decode_tensor([b"STRING", [3], b"one\0\0three\0"])
    assert decoded.tolist() == [b"one", b"", b"three"]


@given(
    st.lists(
        st.text(alphabet=st.characters(codec="utf-8", blacklist_characters="\0"), max_size=6),
        min_size=1,
        max_size=6,
    )
)
def test_str_and_numpy_string_dtypes_encode_as_utf8(values: list[str]) -> None:
    expected = [v.encode("utf-8") for v in values]
    as_objects = np.array(values, dtype=object)
    as_unicode = np.array(values, dtype=np.str_)
    assert round_trip(as_objects).tolist() == expected
    # numpy's fixed-width types drop trailing NULs only, which the elements cannot hold.
    assert round_trip(as_unicode).tolist() == expected
    assert round_trip(np.array(expected, dtype=np.bytes_)).tolist() == expected


def test_surrogate_escaped_str_gives_back_the_bytes() -> None:
    raw = [b"\xff\xfe", "é".encode()]
    as_str = np.array([v.decode("utf-8", errors="surrogateescape") for v in raw], dtype=object)
    assert round_trip(as_str).tolist() == raw


def test_bad_string_outputs_are_errors() -> None:
    with pytest.raises(WorkerError, match="contains a NUL byte"):
        encode_tensor(np.array([b"a\0b"], dtype=object))
    with pytest.raises(WorkerError, match="not valid text"):
        encode_tensor(np.array(["\ud800"], dtype=object))
    with pytest.raises(WorkerError, match="must be bytes or str, not int"):
        encode_tensor(np.array([b"a", 3], dtype=object))


def test_malformed_string_blobs_are_protocol_errors() -> None:
    with pytest.raises(ProtocolError, match="does not end with NUL"):
        decode_tensor([b"STRING", [1], b"abc"])
    with pytest.raises(ProtocolError, match="2 elements for shape \\[3\\]"):
        decode_tensor([b"STRING", [3], b"a\0b\0"])


def test_encode_outputs_gives_each_request_its_item() -> None:
    ok = [np.array([1.0], dtype=np.float32)]
    payload = encode_outputs([ok, WorkerError("ERR bad\ninput"), [np.array([1.0], dtype=np.float16)]])
    assert payload[:5] == [1, "FLOAT", 1, 1, ok[0].tobytes()]
    assert payload[5:7] == ["ERR", "ERR bad input"]
    assert payload[7] == "ERR" and "unsupported output tensor type float16" in payload[8]
    assert len(payload) == 9


def rejects_negative(requests: Sequence[list[np.ndarray]]) -> list[list[np.ndarray]]:
    """A stand-in for a backend's run: batches the requests; fails when any row is negative."""

    def model(inputs: list[np.ndarray]) -> list[np.ndarray]:
        if (inputs[0] < 0).any():
            raise WorkerError("negative input rejected")
        return [inputs[0] * 2]

    return run_batched(model, requests)


@given(st.lists(st.tuples(st.integers(1, 4), st.booleans()), min_size=2, max_size=6))
def test_only_the_bad_requests_fail(requests: list[tuple[int, bool]]) -> None:
    batch = [[np.full((rows, 2), -1.0 if bad else float(i))] for i, (rows, bad) in enumerate(requests)]
    outcomes = outcomes_per_request(rejects_negative, batch)
    assert len(outcomes) == len(requests)
    for (_, bad), inputs, outcome in zip(requests, batch, outcomes, strict=True):
        if bad:
            assert isinstance(outcome, WorkerError) and str(outcome) == "negative input rejected"
        else:
            assert not isinstance(outcome, WorkerError)
            np.testing.assert_array_equal(outcome[0], inputs[0] * 2)


def test_a_single_failing_request_raises() -> None:
    with pytest.raises(WorkerError, match="negative input rejected"):
        outcomes_per_request(rejects_negative, [[np.full((1, 2), -1.0)]])


def test_other_exceptions_name_their_type() -> None:
    def concat_fails(requests: Sequence[list[np.ndarray]]) -> list[list[np.ndarray]]:
        if len(requests) > 1:
            raise ValueError("shapes differ")
        if requests[0][0].shape[1] != 2:
            raise ValueError("wrong width")
        return [list(requests[0])]

    good, bad = [np.ones((1, 2))], [np.ones((1, 3))]
    outcomes = outcomes_per_request(concat_fails, [good, bad])
    assert outcomes[0] == good
    assert isinstance(outcomes[1], WorkerError) and str(outcomes[1]) == "ERR ValueError: wrong width"


def test_wrong_batch_size_fails_the_whole_run() -> None:
    calls: list[int] = []

    def first_row(requests: Sequence[list[np.ndarray]]) -> list[list[np.ndarray]]:
        calls.append(len(requests))
        return run_batched(lambda inputs: [inputs[0][:1]], requests)

    with pytest.raises(BatchSizeError, match=BATCH_SIZE_ERROR):
        outcomes_per_request(first_row, [[np.ones((2, 1))], [np.ones((2, 1))]])
    assert calls == [2]
