"""Models and scripts survive RDB snapshots, DUMP/RESTORE and AOF rewrites, byte for byte.

The RDB payloads are the RedisAI 1.2 layouts (types AI__MODEL and AI_SCRIPT, encoding version 4),
checked here down to the bytes of DUMP; corrupt payloads are refused without harming the server.
"""

from __future__ import annotations

import glob
import os
import struct
import time
from typing import Any

import pytest
import redis

CHUNK = 64  # a small MODEL_CHUNK_SIZE, so payloads are saved and rewritten in several chunks

# ---------------------------------------------------------------- data


def populate(r: Any) -> tuple[list[str], list[str]]:
    """Store models and scripts of every shape; return (model keys, script keys)."""
    models: dict[str, list[Any]] = {
        "torch": ["TORCH", "CPU", "TAG", "v1", "BLOB", bytes(range(256)) * 4],
        "tf": [
            "TF",
            "gpu:1",
            "BATCHSIZE",
            8,
            "MINBATCHSIZE",
            2,
            "MINBATCHTIMEOUT",
            10,
            "INPUTS",
            2,
            "in_a",
            "in_b",
            "OUTPUTS",
            1,
            "out",
            "BLOB",
            b"graph\x00def",
        ],
        "onnx_chunks": ["ONNX", "CPU:1", "BLOB", b"a" * 64, b"b" * 64, b"c" * 7],
        "exact": ["TFLITE", "CPU", "TAG", b"t\x00g", "BLOB", b"x" * (2 * CHUNK)],
        "empty": ["TORCH", "GPU", "BLOB", b""],
        "digits": ["TORCH", "CPU", "TAG", "123", "BLOB", b"4567"],  # integer-looking RDB strings
    }
    scripts: dict[str, list[Any]] = {
        "script": [
            "CPU",
            "TAG",
            "s1",
            "ENTRY_POINTS",
            2,
            "bar",
            "baz",
            "SOURCE",
            "def bar(a, b, c):\n  return a\n",
        ],
        "script_binary": ["GPU:0", "ENTRY_POINTS", 1, "f", "SOURCE", b"\x00\xff\r\n"],
    }
    for key, args in models.items():
        assert r.execute_command("AI.MODELSTORE", key, *args) == b"OK"
    for key, args in scripts.items():
        assert r.execute_command("AI.SCRIPTSTORE", key, *args) == b"OK"
    assert (
        r.execute_command("AI.SCRIPTSET", "legacy", "CPU", "TAG", "old", "SOURCE", "def f(x):\n  return x\n")
        == b"OK"
    )
    return list(models), [*scripts, "legacy"]


def snapshot(r: Any, models: list[str], scripts: list[str]) -> dict[str, Any]:
    out = {key: r.execute_command("AI.MODELGET", key) for key in models}
    out.update({key: r.execute_command("AI.SCRIPTGET", key) for key in scripts})
    return out


def assert_same(r: Any, models: list[str], scripts: list[str], before: dict[str, Any]) -> None:
    assert r.dbsize() == len(models) + len(scripts)
    for key in models:
        assert r.type(key) == b"AI__MODEL", key
    for key in scripts:
        assert r.type(key) == b"AI_SCRIPT", key
    assert snapshot(r, models, scripts) == before
    assert sorted(k for k, _ in r.execute_command("AI._MODELSCAN")) == sorted(k.encode() for k in models)
    assert sorted(k for k, _ in r.execute_command("AI._SCRIPTSCAN")) == sorted(k.encode() for k in scripts)


# ---------------------------------------------------------------- RDB


@pytest.mark.parametrize("chunk", [CHUNK, 511 * 1024 * 1024])
def test_save_and_restart_keeps_models_and_scripts(ai_server_factory: Any, chunk: int) -> None:
    server = ai_server_factory(module_args=["MODEL_CHUNK_SIZE", str(chunk)])
    r = server.client()
    models, scripts = populate(r)
    before = snapshot(r, models, scripts)
    assert r.save()
    server.restart()
    r = server.client()
    assert_same(r, models, scripts, before)


def test_debug_reload(ai_server_factory: Any) -> None:
    server = ai_server_factory(extra_args=["--enable-debug-command", "yes"])
    r = server.client()
    models, scripts = populate(r)
    before = snapshot(r, models, scripts)
    assert r.execute_command("DEBUG", "RELOAD") == b"OK"
    assert_same(r, models, scripts, before)


def test_dump_and_restore(ai_server: Any) -> None:
    r = ai_server.client()
    assert r.execute_command("AI.CONFIG", "MODEL_CHUNK_SIZE", CHUNK) == b"OK"
    models, scripts = populate(r)
    before = snapshot(r, models, scripts)
    for key in models:
        assert r.restore(f"copy:{key}", 0, r.dump(key)) == b"OK"
        assert r.execute_command("AI.MODELGET", f"copy:{key}") == before[key]
    for key in scripts:
        assert r.restore(f"copy:{key}", 0, r.dump(key)) == b"OK"
        assert r.execute_command("AI.SCRIPTGET", f"copy:{key}") == before[key]
    assert len(r.execute_command("AI._MODELSCAN")) == 2 * len(models)
    assert r.restore("torch", 0, r.dump("tf"), replace=True) == b"OK"
    assert r.execute_command("AI.MODELGET", "torch") == before["tf"]


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


def model_value(
    backend: int,
    device: bytes,
    tag: bytes,
    batching: tuple[int, int, int],
    inputs: list[bytes],
    outputs: list[bytes],
    total: int,
    chunks: list[bytes],
) -> bytes:
    data = uint(backend) + string(device + b"\x00") + string(tag)
    data += b"".join(uint(n) for n in batching)
    data += uint(len(inputs)) + b"".join(string(n + b"\x00") for n in inputs)
    data += uint(len(outputs)) + b"".join(string(n + b"\x00") for n in outputs)
    return data + uint(total) + uint(len(chunks)) + b"".join(string(c) for c in chunks) + OP_EOF


def script_value(device: bytes, tag: bytes, source: bytes, entry_points: list[bytes]) -> bytes:
    data = string(device + b"\x00") + string(tag) + string(source + b"\x00")
    return data + uint(len(entry_points)) + b"".join(string(e + b"\x00") for e in entry_points) + OP_EOF


def test_model_dump_payload_is_the_v4_layout(ai_server: Any) -> None:
    r = ai_server.client()
    args = ["TAG", "tg", "BATCHSIZE", 4, "MINBATCHSIZE", 2, "MINBATCHTIMEOUT", 9]
    io = ["INPUTS", 1, "x", "OUTPUTS", 2, "y", "z"]
    r.execute_command("AI.MODELSTORE", "m", "TF", "GPU:1", *args, *io, "BLOB", b"ab", b"cde")
    type_id, data, _ = split_dump(r.dump("m"))
    assert type_name_and_encver(type_id) == ("AI__MODEL", 4)
    assert data == model_value(0, b"GPU:1", b"tg", (4, 2, 9), [b"x"], [b"y", b"z"], 5, [b"abcde"])

    # chunked by the current MODEL_CHUNK_SIZE, with an empty last chunk on an exact multiple
    r.execute_command("AI.CONFIG", "MODEL_CHUNK_SIZE", 2)
    r.execute_command("AI.MODELSTORE", "n", "TORCH", "CPU", "BLOB", b"abcd")
    _, data, _ = split_dump(r.dump("n"))
    assert data == model_value(2, b"CPU", b"", (0, 0, 0), [], [], 4, [b"ab", b"cd", b""])


def test_script_dump_payload_is_the_v4_layout(ai_server: Any) -> None:
    r = ai_server.client()
    r.execute_command("AI.SCRIPTSTORE", "s", "CPU", "TAG", "t", "ENTRY_POINTS", 2, "f", "g", "SOURCE", "src")
    type_id, data, _ = split_dump(r.dump("s"))
    assert type_name_and_encver(type_id) == ("AI_SCRIPT", 4)
    assert data == script_value(b"CPU", b"t", b"src", [b"f", b"g"])
    r.execute_command("AI.SCRIPTSET", "l", "GPU", "SOURCE", "x")
    _, data, _ = split_dump(r.dump("l"))
    assert data == script_value(b"GPU", b"", b"x", [])


def test_restore_of_hand_made_payloads(ai_server: Any) -> None:
    r = ai_server.client()
    r.execute_command("AI.MODELSTORE", "ref", "TORCH", "CPU", "BLOB", b"x")
    r.execute_command("AI.SCRIPTSET", "sref", "CPU", "SOURCE", "x")
    model_id, _, version = split_dump(r.dump("ref"))
    script_id, _, _ = split_dump(r.dump("sref"))
    data = model_value(3, b"CPU:7", b"tag", (1, 0, 0), [], [b"o"], 6, [b"abc", b"", b"def"])
    assert r.restore("made", 0, make_dump(model_id, data, version)) == b"OK"
    assert r.execute_command("AI.MODELGET", "made", "META", "BLOB")[1::2] == [
        b"ONNX",
        b"CPU:7",
        b"tag",
        1,
        0,
        [],
        [b"o"],
        0,
        b"abcdef",
    ]
    data = script_value(b"GPU", b"", b"def f(t, k, a): pass", [b"f"])
    assert r.restore("smade", 0, make_dump(script_id, data, version)) == b"OK"
    assert r.execute_command("AI.SCRIPTGET", "smade", "META")[-1] == [b"f"]
    assert r.execute_command("AI.INFO", "made")[1] == b"made"


def corrupt_models() -> dict[str, bytes]:
    return {
        "backend 4": model_value(4, b"CPU", b"", (0, 0, 0), [], [], 1, [b"x"]),
        "total too large": model_value(2, b"CPU", b"", (0, 0, 0), [], [], 2, [b"x"]),
        "total too small": model_value(2, b"CPU", b"", (0, 0, 0), [], [], 0, [b"x"]),
        "huge chunk count": model_value(2, b"CPU", b"", (0, 0, 0), [], [], 1, [b"x"])[:-3]
        + uint(2**62)
        + OP_EOF,
        "huge input count": uint(2) + string(b"CPU\x00") + string(b"") + uint(0) * 3 + uint(2**60) + OP_EOF,
        "truncated": uint(2) + string(b"CPU\x00") + OP_EOF,
        "empty value": OP_EOF,
    }


@pytest.mark.parametrize("case", list(corrupt_models()))
def test_restore_refuses_corrupt_models(ai_server: Any, case: str) -> None:
    r = ai_server.client()
    r.execute_command("AI.MODELSTORE", "ref", "TORCH", "CPU", "BLOB", b"x")
    type_id, _, version = split_dump(r.dump("ref"))
    with pytest.raises(redis.ResponseError, match="Bad data format"):
        r.restore("bad", 0, make_dump(type_id, corrupt_models()[case], version))
    assert r.ping()
    assert r.exists("bad") == 0
    assert r.execute_command("AI._MODELSCAN") == [[b"ref", b""]]


@pytest.mark.parametrize(
    "data",
    [
        string(b"CPU\x00") + string(b"") + string(b"x\x00") + uint(2**60) + OP_EOF,
        string(b"CPU\x00") + OP_EOF,
        OP_EOF,
    ],
)
def test_restore_refuses_corrupt_scripts(ai_server: Any, data: bytes) -> None:
    r = ai_server.client()
    r.execute_command("AI.SCRIPTSET", "ref", "CPU", "SOURCE", "x")
    type_id, _, version = split_dump(r.dump("ref"))
    with pytest.raises(redis.ResponseError, match="Bad data format"):
        r.restore("bad", 0, make_dump(type_id, data, version))
    assert r.ping()
    assert r.execute_command("AI._SCRIPTSCAN") == [[b"ref", b""]]


@pytest.mark.parametrize("encver", [0, 3, 5])
def test_restore_refuses_other_encoding_versions(ai_server: Any, encver: int) -> None:
    r = ai_server.client()
    r.execute_command("AI.MODELSTORE", "ref", "TORCH", "CPU", "BLOB", b"x")
    r.execute_command("AI.SCRIPTSET", "sref", "CPU", "SOURCE", "x")
    for key in ("ref", "sref"):
        type_id, data, version = split_dump(r.dump(key))
        with pytest.raises(redis.ResponseError, match="Bad data format"):
            r.restore("bad", 0, make_dump((type_id & ~1023) | encver, data, version))
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
    server = ai_server_factory(
        extra_args=["--appendonly", "yes", "--aof-use-rdb-preamble", "no"],
        module_args=["MODEL_CHUNK_SIZE", str(CHUNK)],
    )
    r = server.client()
    wait_for_aof_rewrite(r)
    models, scripts = populate(r)
    before = snapshot(r, models, scripts)
    assert r.bgrewriteaof()
    wait_for_aof_rewrite(r)

    directory = r.config_get("dir")["dir"]
    aof_dir = os.path.join(directory, r.config_get("appenddirname")["appenddirname"])
    (base,) = glob.glob(os.path.join(aof_dir, "*.base.aof"))
    with open(base, "rb") as f:
        rewritten = f.read()
    assert not rewritten.startswith(b"REDIS")
    assert rewritten.count(b"AI.MODELSTORE") == len(models)
    assert rewritten.count(b"AI.SCRIPTSTORE") == len(scripts) - 1
    assert rewritten.count(b"AI.SCRIPTSET") == 1
    # the payload is rewritten in MODEL_CHUNK_SIZE pieces; an exact multiple has no empty tail
    exact = (
        b"$5\r\nexact\r\n$6\r\nTFLITE\r\n$3\r\nCPU\r\n$3\r\nTAG\r\n$3\r\nt\x00g\r\n$9\r\nBATCHSIZE\r\n$1\r\n0\r\n"
        b"$12\r\nMINBATCHSIZE\r\n$1\r\n0\r\n$15\r\nMINBATCHTIMEOUT\r\n$1\r\n0\r\n$4\r\nBLOB\r\n"
        + (b"$64\r\n" + b"x" * 64 + b"\r\n")
        * 2
    )
    assert b"*15\r\n$13\r\nAI.MODELSTORE\r\n" + exact in rewritten
    assert (
        b"$6\r\nINPUTS\r\n$1\r\n2\r\n$4\r\nin_a\r\n$4\r\nin_b\r\n$7\r\nOUTPUTS\r\n$1\r\n1\r\n$3\r\nout\r\n"
        in rewritten
    )

    server.restart()
    r = server.client()
    assert_same(r, models, scripts, before)


def test_aof_replays_stores_and_deletes(ai_server_factory: Any) -> None:
    server = ai_server_factory(extra_args=["--appendonly", "yes"])
    r = server.client()
    wait_for_aof_rewrite(r)
    models, scripts = populate(r)
    assert r.execute_command("AI.MODELDEL", "torch") == b"OK"
    assert r.execute_command("AI.SCRIPTDEL", "legacy") == b"OK"
    assert r.execute_command("AI.MODELSET", "set", "TORCH", "CPU", "BLOB", b"p", b"q") == b"OK"
    models = [*(k for k in models if k != "torch"), "set"]
    scripts = [k for k in scripts if k != "legacy"]
    before = snapshot(r, models, scripts)
    server.restart()
    r = server.client()
    assert_same(r, models, scripts, before)


# ---------------------------------------------------------------- replication


def test_replica_gets_models_and_scripts(ai_server_factory: Any) -> None:
    primary = ai_server_factory()
    r = primary.client()
    assert (
        r.execute_command("AI.MODELSTORE", "synced", "TORCH", "CPU", "TAG", "a", "BLOB", b"full sync")
        == b"OK"
    )
    replica = ai_server_factory(extra_args=["--replicaof", primary.host, str(primary.port)])
    rr = replica.client()
    deadline = time.monotonic() + 20
    while rr.info("replication")["master_link_status"] != "up":
        assert time.monotonic() < deadline, "replica did not connect"
        time.sleep(0.05)
    models, scripts = populate(r)
    assert r.execute_command("AI.MODELSET", "set", "ONNX", "CPU", "BLOB", b"p", b"q") == b"OK"
    assert r.execute_command("AI.MODELDEL", "torch") == b"OK"
    assert r.execute_command("AI.SCRIPTDEL", "legacy") == b"OK"
    models = ["synced", "set", *(k for k in models if k != "torch")]
    scripts = [k for k in scripts if k != "legacy"]
    assert r.wait(1, 10000) == 1
    assert_same(rr, models, scripts, snapshot(r, models, scripts))
    assert rr.execute_command("AI.INFO", "synced")[9] == b"a"
