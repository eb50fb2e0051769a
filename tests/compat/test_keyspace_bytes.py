"""The expected-bytes helpers agree with the bytes captured from the real client (smartredis-wire.md §5.2)."""

from __future__ import annotations

import numpy as np
import pytest

from compat.keyspace import extreme_array, meta_scalars, meta_strings, tensorget_reply

pytestmark = pytest.mark.compat


@pytest.mark.parametrize(
    ("encoded", "captured_hex"),
    [
        (meta_scalars("int", [7, 8]), "04 0700000000000000 0800000000000000"),
        (meta_scalars("float", [1.5]), "01 000000000000f83f"),
        (meta_scalars("float32", [1.5]), "02 0000c03f"),
        (meta_scalars("int32", [-2]), "03 feffffff"),
        (meta_scalars("uint32", [42]), "05 2a000000"),
        (meta_scalars("uint64", [7]), "06 0700000000000000"),
        (
            meta_strings(["hello", "world!"]),
            "07 0500000000000000 68656c6c6f 0600000000000000 776f726c6421",
        ),
        (meta_strings(["a", "b"]), "07 0100000000000000 61 0100000000000000 62"),
    ],
)
def test_metadata_encoding_matches_the_capture(encoded: bytes, captured_hex: str) -> None:
    assert encoded == bytes.fromhex(captured_hex.replace(" ", ""))


def test_tensor_reply_matches_the_capture() -> None:
    # AI.TENSORSET t1 FLOAT 2 3 BLOB 00000000 0000803f 00000040 00004040 00008040 0000a040 (§4.2)
    blob = bytes.fromhex("00000000 0000803f 00000040 00004040 00008040 0000a040".replace(" ", ""))
    array = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert tensorget_reply(array) == [b"dtype", b"FLOAT", b"shape", [2, 3], b"blob", blob]


@pytest.mark.parametrize("dtype", ["int8", "uint16", "int64", "float32", "float64"])
def test_extreme_arrays_hold_the_type_limits(dtype: str) -> None:
    array = extreme_array(dtype, (3, 4))
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else np.finfo(dtype)
    assert array.shape == (3, 4) and array.dtype == np.dtype(dtype)
    assert array.min() == info.min and array.max() == info.max
