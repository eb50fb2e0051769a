"""Metadata bytes must equal what SmartRedis 0.6.1 writes (captured examples)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartredis.dataset import Dataset
from smartredis.error import RedisRuntimeError
from smartredis.metadata import MetaType, decode_field, encode_scalars, encode_strings, scalar_type_of

CAPTURED = [
    ([7, 8], "040700000000000000" + "0800000000000000"),
    ([1.5], "01000000000000f83f"),
    ([np.float32(1.5)], "020000c03f"),
    ([np.int32(-2)], "03feffffff"),
    ([np.uint32(42)], "052a000000"),
    ([np.uint64(7)], "060700000000000000"),
]


@pytest.mark.parametrize(("values", "hex_bytes"), CAPTURED)
def test_scalar_fields_match_captured_bytes(values: list[object], hex_bytes: str) -> None:
    dataset = Dataset("d")
    for value in values:
        dataset.add_meta_scalar("f", value)  # type: ignore[arg-type]
    assert dataset.serialized_fields(".tensor_names")["f"] == bytes.fromhex(hex_bytes)


def test_string_fields_and_tensor_names_match_captured_bytes() -> None:
    dataset = Dataset("d")
    dataset.add_meta_string("s", "hello")
    dataset.add_meta_string("s", "world!")
    dataset.add_tensor("a", np.ones(1))
    dataset.add_tensor("b", np.ones(1))
    fields = dataset.serialized_fields(".tensor_names")
    assert fields["s"] == bytes.fromhex(
        "07" + "0500000000000000" + "68656c6c6f" + "0600000000000000" + "776f726c6421"
    )
    assert fields[".tensor_names"] == bytes.fromhex(
        "07" + "0100000000000000" + "61" + "0100000000000000" + "62"
    )


@pytest.mark.parametrize("bad", [True, np.int8(1), np.uint8(1), "x", [1, 2], np.float16(1)])
def test_unsupported_scalar_types(bad: object) -> None:
    with pytest.raises(TypeError, match="Incompatible metadata type"):
        scalar_type_of(bad)


def test_a_field_keeps_its_first_type() -> None:
    dataset = Dataset("d")
    dataset.add_meta_scalar("f", 1)
    with pytest.raises(RedisRuntimeError, match="different type"):
        dataset.add_meta_scalar("f", 1.5)
    with pytest.raises(RedisRuntimeError, match="different type"):
        dataset.add_meta_string("f", "x")


@pytest.mark.parametrize(
    "buffer", [b"", b"\x00", b"\x08abc", b"\x01\x00\x00", b"\x07\x05\x00\x00\x00\x00\x00\x00\x00ab"]
)
def test_malformed_buffers_are_refused(buffer: bytes) -> None:
    with pytest.raises(ValueError):
        decode_field(buffer)


@given(st.lists(st.text(max_size=20), max_size=8))
def test_strings_round_trip(values: list[str]) -> None:
    kind, decoded = decode_field(encode_strings(values))
    assert kind is MetaType.STRING and decoded == values


@given(
    st.sampled_from(list(MetaType)[:-1]).flatmap(
        lambda kind: st.tuples(
            st.just(kind),
            st.lists(
                st.integers(0, 100) if kind.name.startswith("U") else st.integers(-100, 100), max_size=8
            ),
        )
    )
)
def test_scalars_round_trip(kind_and_values: tuple[MetaType, list[int]]) -> None:
    kind, values = kind_and_values
    decoded_kind, decoded = decode_field(encode_scalars(kind, np.array(values)))
    assert decoded_kind is kind
    assert list(np.asarray(decoded)) == values
