"""The byte format of dataset metadata fields, shared with SmartRedis 0.6 (pure).

Each hash value is one type byte followed by native little-endian data: N scalars of the field's
type, or for strings N repetitions of (8-byte length, bytes). There is no element count.
"""

from __future__ import annotations

import struct
from enum import IntEnum

import numpy as np


class MetaType(IntEnum):
    DOUBLE = 1
    FLOAT = 2
    INT32 = 3
    INT64 = 4
    UINT32 = 5
    UINT64 = 6
    STRING = 7


SCALAR_DTYPES: dict[MetaType, np.dtype] = {
    MetaType.DOUBLE: np.dtype("<f8"),
    MetaType.FLOAT: np.dtype("<f4"),
    MetaType.INT32: np.dtype("<i4"),
    MetaType.INT64: np.dtype("<i8"),
    MetaType.UINT32: np.dtype("<u4"),
    MetaType.UINT64: np.dtype("<u8"),
}
_BY_NUMPY_NAME = {str(dtype.newbyteorder("=")): kind for kind, dtype in SCALAR_DTYPES.items()}
_LENGTH = struct.Struct("<Q")


def scalar_type_of(value: object) -> tuple[MetaType, np.ndarray]:
    """The metadata type of a scalar as SmartRedis infers it (Python int -> INT64, float -> DOUBLE)."""
    array = np.asarray(value)
    kind = _BY_NUMPY_NAME.get(str(array.dtype)) if array.ndim == 0 else None
    if kind is None or isinstance(value, bool):
        raise TypeError(f"Incompatible metadata type provided {type(value)}")
    return kind, array


def encode_scalars(kind: MetaType, values: np.ndarray) -> bytes:
    return bytes([kind]) + np.ascontiguousarray(values, dtype=SCALAR_DTYPES[kind]).tobytes()


def encode_strings(values: list[str]) -> bytes:
    parts = [bytes([MetaType.STRING])]
    for text in values:
        data = text.encode("utf-8")
        parts += [_LENGTH.pack(len(data)), data]
    return b"".join(parts)


def decode_field(buffer: bytes) -> tuple[MetaType, np.ndarray | list[str]]:
    """Read one serialized field; raise ``ValueError`` on a malformed buffer."""
    if not buffer:
        raise ValueError("A metadata field value is empty (no type byte)")
    try:
        kind = MetaType(buffer[0])
    except ValueError:
        raise ValueError(f"unknown type in add_serialized_field: {buffer[0]}") from None
    payload = memoryview(buffer)[1:]
    if kind is MetaType.STRING:
        strings: list[str] = []
        offset = 0
        while offset < len(payload):
            if offset + _LENGTH.size > len(payload):
                raise ValueError("A string metadata field is truncated")
            (length,) = _LENGTH.unpack_from(payload, offset)
            offset += _LENGTH.size
            if offset + length > len(payload):
                raise ValueError("A string metadata field is truncated")
            strings.append(bytes(payload[offset : offset + length]).decode("utf-8"))
            offset += length
        return kind, strings
    dtype = SCALAR_DTYPES[kind]
    if len(payload) % dtype.itemsize:
        raise ValueError(
            f"A {kind.name} metadata field has {len(payload)} bytes, not a multiple of {dtype.itemsize}"
        )
    return kind, np.frombuffer(payload, dtype=dtype).astype(dtype.newbyteorder("="))
