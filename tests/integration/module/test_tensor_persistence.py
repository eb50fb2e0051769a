"""Tensors survive RDB snapshots, DUMP/RESTORE and AOF rewrites, byte for byte.

The RDB payload is the RedisAI 1.2 layout (type AI_TENSOR, encoding version 4), checked here
down to the bytes of DUMP, and corrupt or foreign payloads are refused without harming the server.
"""

from __future__ import annotations

import glob
import os
import struct
import time
from typing import Any

import numpy as np
import pytest
import redis

# ---------------------------------------------------------------- fixtures of data


def populate(r: Any) -> list[str]:
    """Store one tensor of every kind; return the keys."""
    rng = np.random.default_rng(7)
    tensors: dict[str, list[Any]] = {
        "float": ["FLOAT", 2, 3, "BLOB", rng.random((2, 3), dtype=np.float32).tobytes()],
        "double": ["DOUBLE", 4, "BLOB", rng.random(4).tobytes()],
        "int8": ["INT8", 3, "BLOB", np.array([-128, 0, 127], dtype=np.int8).tobytes()],
        "int16": ["INT16", 2, "BLOB", np.array([-32768, 32767], dtype=np.int16).tobytes()],
        "int32": ["INT32", 1, 2, "VALUES", 1, 2147483647],
        "int64": ["INT64", 2, "BLOB", np.array([-(2**63), 2**63 - 1], dtype=np.int64).tobytes()],
        "uint8": ["UINT8", 4, "BLOB", b"1234"],  # digits: stored as an integer-looking RDB string
        "uint16": ["UINT16", 2, "VALUES", 0, 65535],
        "bool": ["BOOL", 2, 2, "VALUES", 1, 0, 0, 1],
        "string_values": ["STRING", 3, "VALUES", "alpha", "ünï", "z"],
        "string_blob": ["STRING", 2, 2, "BLOB", b"a\x00\x00bc\x00d\x00"],
        "string_empty": ["STRING", 2],
        "scalar": ["FLOAT", "VALUES", 3.5],
        "zeros": ["DOUBLE", 3, 3],
        "many_dims": ["INT8", *([1] * 9), 2, "VALUES", 5, 6],
        "big": ["FLOAT", 1024, 1024, "BLOB", rng.random(1024 * 1024, dtype=np.float32).tobytes()],
    }
    for key, args in tensors.items():
        assert r.execute_command("AI.TENSORSET", key, *args) == b"OK"
    return list(tensors)


def snapshot(r: Any, keys: list[str]) -> dict[str, Any]:
    return {key: r.execute_command("AI.TENSORGET", key, "META", "BLOB") for key in keys}


def assert_same_tensors(r: Any, keys: list[str], before: dict[str, Any]) -> None:
    assert r.dbsize() == len(keys)
    for key in keys:
        assert r.type(key) == b"AI_TENSOR", key
    assert snapshot(r, keys) == before


# ---------------------------------------------------------------- RDB


def test_save_and_restart_keeps_tensors_byte_identical(ai_server: Any) -> None:
    r = ai_server.client()
    keys = populate(r)
    before = snapshot(r, keys)
    assert r.save()

    ai_server.restart()
    r = ai_server.client()
    assert_same_tensors(r, keys, before)
    usage = r.memory_usage("big")
    assert 4 * 1024 * 1024 <= usage < 4 * 1024 * 1024 + 4096


def test_dump_and_restore(ai_server: Any) -> None:
    r = ai_server.client()
    keys = populate(r)
    before = snapshot(r, keys)
    for key in keys:
        payload = r.dump(key)
        assert r.restore(f"copy:{key}", 0, payload) == b"OK"
        assert r.execute_command("AI.TENSORGET", f"copy:{key}", "META", "BLOB") == before[key]
    # RESTORE REPLACE over another tensor
    assert r.restore("float", 0, r.dump("int8"), replace=True) == b"OK"
    assert r.execute_command("AI.TENSORGET", "float", "META", "BLOB") == before["int8"]


# ---------------------------------------------------------------- the DUMP payload, byte by byte

RDB_TYPE_MODULE_2 = b"\x07"
OP_EOF, OP_UINT, OP_STRING = b"\x00", b"\x02", b"\x05"
TYPE_NAME_CHARSET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
CRC64_POLY = int(f"{0xAD93D23594C935A9:064b}"[::-1], 2)  # Jones polynomial, reflected


def crc64(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (CRC64_POLY if crc & 1 else 0)
    return crc


def rdb_len(n: int) -> bytes:
    if n < 1 << 6:
        return bytes([n])
    if n < 1 << 14:
        return bytes([0x40 | (n >> 8), n & 0xFF])
    if n < 1 << 32:
        return b"\x80" + struct.pack(">I", n)
    return b"\x81" + struct.pack(">Q", n)


def uint(n: int) -> bytes:
    return OP_UINT + rdb_len(n & (2**64 - 1))


def string(data: bytes) -> bytes:
    return OP_STRING + rdb_len(len(data)) + data


def value(code: int, bits: int, ndims: int, *rest: bytes) -> bytes:
    """A module value: dtype code and bits, ndims, then dims, data and offsets as given."""
    return uint(code) + uint(bits) + uint(ndims) + b"".join(rest) + OP_EOF


def split_dump(payload: bytes) -> tuple[int, bytes, bytes]:
    """(module type id, module data up to and including its EOF opcode, RDB version bytes)."""
    assert payload[:2] == RDB_TYPE_MODULE_2 + b"\x81"
    type_id = struct.unpack(">Q", payload[2:10])[0]
    assert struct.unpack("<Q", payload[-8:])[0] == crc64(payload[:-8])
    return type_id, payload[10:-10], payload[-10:-8]


def make_dump(type_id: int, module_data: bytes, rdb_version: bytes) -> bytes:
    body = RDB_TYPE_MODULE_2 + b"\x81" + struct.pack(">Q", type_id) + module_data + rdb_version
    return body + struct.pack("<Q", crc64(body))


def type_name_and_encver(type_id: int) -> tuple[str, int]:
    name = "".join(TYPE_NAME_CHARSET[(type_id >> (64 - 6 * (i + 1))) & 63] for i in range(9))
    return name, type_id & 1023


def test_dump_payload_is_the_v4_layout(ai_server: Any) -> None:
    r = ai_server.client()
    r.execute_command("AI.TENSORSET", "f", "FLOAT", 2, "VALUES", 1, 2)
    type_id, data, _ = split_dump(r.dump("f"))
    assert type_name_and_encver(type_id) == ("AI_TENSOR", 4)
    # code 2 (float), 32 bits, ndims 1, dim 2, raw data, end of module value
    float_data = string(np.array([1, 2], np.float32).tobytes())
    assert data == uint(2) + uint(32) + uint(1) + uint(2) + float_data + OP_EOF

    r.execute_command("AI.TENSORSET", "s", "STRING", 2, "VALUES", "a", "bc")
    _, data, _ = split_dump(r.dump("s"))
    # code 7 (string), 8 bits, ndims 1, dim 2, data, then one start offset per element
    assert data == uint(7) + uint(8) + uint(1) + uint(2) + string(b"a\x00bc\x00") + uint(0) + uint(2) + OP_EOF

    r.execute_command("AI.TENSORSET", "i", "INT16", 1, 2, "BLOB", np.array([-1, 3], np.int16).tobytes())
    _, data, _ = split_dump(r.dump("i"))
    assert data[:8] == uint(0) + uint(16) + uint(2) + uint(1)


def test_restore_of_a_hand_made_payload(ai_server: Any) -> None:
    r = ai_server.client()
    r.execute_command("AI.TENSORSET", "ref", "FLOAT", 1, "VALUES", 0)
    type_id, _, version = split_dump(r.dump("ref"))
    data = value(0, 64, 2, uint(1), uint(2), string(struct.pack("<qq", -7, 9)))
    assert r.restore("made", 0, make_dump(type_id, data, version)) == b"OK"
    assert r.execute_command("AI.TENSORGET", "made", "META", "VALUES") == [
        b"dtype",
        b"INT64",
        b"shape",
        [1, 2],
        b"values",
        [-7, 9],
    ]


def corrupt_module_values() -> dict[str, bytes]:
    zeros8 = string(bytes(8))
    return {
        "unknown dtype (float16)": value(2, 16, 1, uint(4), zeros8),
        "unknown dtype (uint32)": value(1, 32, 1, uint(2), zeros8),
        "negative ndims": value(2, 32, -1, zeros8),
        "zero dim": value(2, 32, 2, uint(0), uint(2), zeros8),
        "negative dim": value(2, 32, 1, uint(-2), zeros8),
        "data too short": value(2, 32, 1, uint(3), zeros8),
        "product overflows": value(2, 32, 2, uint(2**62 + 1), uint(4), string(bytes(16))),
        "bool byte 2": value(6, 8, 1, uint(2), string(b"\x01\x02")),
        "string without final NUL": value(7, 8, 1, uint(1), string(b"ab"), uint(0)),
        "string offsets disagree": value(7, 8, 1, uint(2), string(b"a\x00b\x00"), uint(0), uint(1)),
        "string offsets missing": value(7, 8, 1, uint(2), string(b"a\x00b\x00")),
        # ndims claims 2**40 dims but the value ends after none: a short read, not a huge allocation
        "truncated dims": value(2, 32, 2**40),
        "truncated data": value(2, 32, 1, uint(2)),
        "empty value": OP_EOF,
    }


@pytest.mark.parametrize("case", list(corrupt_module_values()))
def test_restore_refuses_corrupt_tensor_values(ai_server: Any, case: str) -> None:
    r = ai_server.client()
    r.execute_command("AI.TENSORSET", "ref", "FLOAT", 1, "VALUES", 0)
    type_id, _, version = split_dump(r.dump("ref"))
    with pytest.raises(redis.ResponseError, match="Bad data format"):
        r.restore("bad", 0, make_dump(type_id, corrupt_module_values()[case], version))
    assert r.ping()
    assert r.exists("bad") == 0
    assert r.execute_command("AI.TENSORGET", "ref", "BLOB") == bytes(4)


@pytest.mark.parametrize("encver", [0, 3, 5, 1023])
def test_restore_refuses_other_encoding_versions(ai_server: Any, encver: int) -> None:
    r = ai_server.client()
    r.execute_command("AI.TENSORSET", "ref", "FLOAT", 1, "VALUES", 0)
    type_id, data, version = split_dump(r.dump("ref"))
    foreign = (type_id & ~1023) | encver
    with pytest.raises(redis.ResponseError, match="Bad data format"):
        r.restore("bad", 0, make_dump(foreign, data, version))
    assert r.ping()


# ---------------------------------------------------------------- AOF


def wait_for_aof_rewrite(r: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = r.info("persistence")
        if not info["aof_rewrite_in_progress"] and not info["aof_rewrite_scheduled"]:
            assert info["aof_last_bgrewrite_status"] == "ok"
            return
        time.sleep(0.05)
    raise AssertionError("AOF rewrite did not finish")


def test_aof_rewrite_and_restart(ai_server_factory: Any) -> None:
    server = ai_server_factory(extra_args=["--appendonly", "yes", "--aof-use-rdb-preamble", "no"])
    r = server.client()
    wait_for_aof_rewrite(r)  # the initial one, started by enabling AOF
    keys = populate(r)
    before = snapshot(r, keys)
    assert r.bgrewriteaof()
    wait_for_aof_rewrite(r)

    directory = r.config_get("dir")["dir"]
    aof_dir = os.path.join(directory, r.config_get("appenddirname")["appenddirname"])
    (base,) = glob.glob(os.path.join(aof_dir, "*.base.aof"))
    with open(base, "rb") as f:
        rewritten = f.read()
    assert not rewritten.startswith(b"REDIS")  # a plain command log, no RDB preamble
    assert rewritten.count(b"AI.TENSORSET") == len(keys)
    assert b"$12\r\nAI.TENSORSET\r\n$6\r\nscalar\r\n$5\r\nFLOAT\r\n$4\r\nBLOB\r\n" in rewritten

    server.restart()
    r = server.client()
    assert_same_tensors(r, keys, before)
