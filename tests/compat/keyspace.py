"""The exact bytes SmartRedis 0.6.1 leaves in the keyspace (smartredis-wire.md §4, §5, §6)."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any

import numpy as np
import redis

TENSOR_TYPE = b"AI_TENSOR"
MODEL_TYPE = b"AI__MODEL"
SCRIPT_TYPE = b"AI_SCRIPT"

# numpy dtype name -> wire dtype name (§4.1)
WIRE_DTYPES = {
    "float64": b"DOUBLE",
    "float32": b"FLOAT",
    "int8": b"INT8",
    "int16": b"INT16",
    "int32": b"INT32",
    "int64": b"INT64",
    "uint8": b"UINT8",
    "uint16": b"UINT16",
}

# metadata type id and struct format per scalar type (§5.2); Python int/float map to INT64/DOUBLE
_META_SCALAR = {
    "float64": (1, "d"),
    "float": (1, "d"),
    "float32": (2, "f"),
    "int32": (3, "i"),
    "int64": (4, "q"),
    "int": (4, "q"),
    "uint32": (5, "I"),
    "uint64": (6, "Q"),
}
META_STRING_TYPE = 7
DATASET_ACK_FIELD = b".COMPLETE"
TENSOR_NAMES_FIELD = b".tensor_names"


def extreme_array(dtype: str, shape: tuple[int, ...] = (2, 3)) -> np.ndarray:
    """An array of ``dtype`` that holds the type's minimum, maximum and a few ordinary values."""
    count = int(np.prod(shape))
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else np.finfo(dtype)
    values = [info.min, info.max, 0, 1, 2, 3][:count] + list(range(4, count - 2))
    return np.array(values[:count], dtype=dtype).reshape(shape)


def tensorget_reply(array: np.ndarray) -> list[object]:
    """``AI.TENSORGET key META BLOB`` as redis-py (RESP2) returns it for a stored array."""
    return [
        b"dtype",
        WIRE_DTYPES[str(array.dtype)],
        b"shape",
        list(array.shape),
        b"blob",
        np.ascontiguousarray(array).tobytes(),
    ]


def meta_scalars(type_name: str, values: Sequence[float]) -> bytes:
    type_id, fmt = _META_SCALAR[type_name]
    return bytes([type_id]) + struct.pack(f"<{len(values)}{fmt}", *values)


def meta_strings(values: Sequence[str | bytes]) -> bytes:
    out = bytes([META_STRING_TYPE])
    for value in values:
        raw = value.encode() if isinstance(value, str) else value
        out += struct.pack("<Q", len(raw)) + raw
    return out


def stored_contents(connection: redis.Redis) -> dict[bytes, Any]:
    """Every key of one server (or one shard) with its type and what it holds, for comparison.

    Module types are read through their GET commands with META, so the comparison covers the
    stored settings (backend, device, tag, batching, inputs/outputs) as well as the payload.
    """
    contents: dict[bytes, Any] = {}
    for key in sorted(connection.keys()):
        kind = connection.type(key)
        if kind == TENSOR_TYPE:
            contents[key] = ("tensor", connection.execute_command("AI.TENSORGET", key, "META", "BLOB"))
        elif kind == MODEL_TYPE:
            contents[key] = ("model", connection.execute_command("AI.MODELGET", key, "META", "BLOB"))
        elif kind == SCRIPT_TYPE:
            contents[key] = ("script", connection.execute_command("AI.SCRIPTGET", key, "META", "SOURCE"))
        elif kind == b"hash":
            contents[key] = ("hash", connection.hgetall(key))
        elif kind == b"list":
            contents[key] = ("list", connection.lrange(key, 0, -1))
        else:
            contents[key] = (kind, connection.dump(key))
    return contents
