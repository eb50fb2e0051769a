"""AI.TENSORSET / AI.TENSORGET on a 3-shard cluster: routing, MOVED, DUMP/RESTORE, migration."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import redis

from cluster_support import SLOT_COUNT, RunningCluster

TAGS = [f"tag{i}" for i in range(60)]


def _tensor(i: int) -> np.ndarray:
    return np.arange(i, i + 6, dtype=np.int32).reshape(2, 3)


def _tensorset(connection: Any, key: str, array: np.ndarray) -> Any:
    return connection.execute_command("AI.TENSORSET", key, "INT32", *array.shape, "BLOB", array.tobytes())


def _expected_reply(array: np.ndarray) -> list[object]:
    return [b"dtype", b"INT32", b"shape", list(array.shape), b"blob", array.tobytes()]


def slot_owners(cluster: RunningCluster) -> list[tuple[int, int, int]]:
    """``(first slot, last slot, port)`` per range, from CLUSTER SLOTS of the first shard."""
    ranges = cluster.shard_clients()[0].execute_command("CLUSTER SLOTS")
    return sorted((int(lo), int(hi), int(node[1])) for lo, hi, node, *_ in ranges)


def owner_port(owners: list[tuple[int, int, int]], slot: int) -> int:
    return next(port for lo, hi, port in owners if lo <= slot <= hi)


def test_cluster_covers_all_slots_with_the_module_on_every_shard(ai_cluster: RunningCluster) -> None:
    owners = slot_owners(ai_cluster)
    assert [(lo, hi) for lo, hi, _ in owners] == [(0, 5460), (5461, 10922), (10923, 16383)]
    assert sorted(port for _, _, port in owners) == sorted(shard.port for shard in ai_cluster.shards)
    for shard, connection in zip(ai_cluster.shards, ai_cluster.shard_clients(), strict=True):
        info = shard.cluster_info()
        assert (info["cluster_state"], info["cluster_slots_ok"], info["cluster_known_nodes"]) == (
            "ok",
            str(SLOT_COUNT),
            "3",
        )
        assert [m[b"name"] for m in connection.module_list()] == [b"ai"]


def test_tensors_are_routed_to_the_shard_owning_their_hash_tag(ai_cluster: RunningCluster) -> None:
    cluster = ai_cluster.client()
    shards = ai_cluster.shard_clients()
    port_to_shard = {
        shard.port: connection for shard, connection in zip(ai_cluster.shards, shards, strict=True)
    }
    owners = slot_owners(ai_cluster)
    keys_per_port = {port: 0 for port in port_to_shard}

    for i, tag in enumerate(TAGS):
        key = f"{{{tag}}}.tensor"
        assert _tensorset(cluster, key, _tensor(i)) == b"OK"
        slot = cluster.keyslot(key)
        assert shards[i % 3].execute_command("CLUSTER KEYSLOT", key) == slot
        assert shards[i % 3].execute_command("CLUSTER KEYSLOT", f"other{{{tag}}}") == slot
        port = owner_port(owners, slot)
        keys_per_port[port] += 1
        for shard_port, connection in port_to_shard.items():
            # A shard lists only keys it holds; EXISTS on another shard would answer MOVED.
            held = connection.execute_command("CLUSTER GETKEYSINSLOT", slot, 1000)
            assert (key in held) == (shard_port == port), (key, shard_port)
        owner = port_to_shard[port]
        assert owner.execute_command("AI.TENSORGET", key, "META", "BLOB") == _expected_reply(_tensor(i))
        assert owner.type(key) == b"AI_TENSOR"
        assert cluster.execute_command("AI.TENSORGET", key, "META", "BLOB") == _expected_reply(_tensor(i))

    assert all(count > 0 for count in keys_per_port.values()), keys_per_port
    assert sum(keys_per_port.values()) == len(TAGS)
    assert sum(connection.dbsize() for connection in shards) == len(TAGS)


def test_command_getkeys_names_the_tensor_key(ai_cluster: RunningCluster) -> None:
    shard = ai_cluster.shard_clients()[0]
    assert shard.command_getkeys("AI.TENSORSET", "{t}.k", "FLOAT", "2", "VALUES", "1", "2") == ["{t}.k"]
    assert shard.command_getkeys("AI.TENSORSET", "{t}.k", "INT8", "1", "BLOB", "\x01") == ["{t}.k"]
    assert shard.command_getkeys("AI.TENSORGET", "{t}.k", "META", "BLOB") == ["{t}.k"]
    assert shard.command_getkeys("AI.TENSORGET", "{t}.k") == ["{t}.k"]


def test_a_shard_replies_moved_for_a_key_it_does_not_own(ai_cluster: RunningCluster) -> None:
    owners = slot_owners(ai_cluster)
    array = _tensor(1)
    for shard, connection in zip(ai_cluster.shards, ai_cluster.shard_clients(), strict=True):
        for tag in TAGS[:12]:
            key = f"{{{tag}}}.x"
            slot = connection.execute_command("CLUSTER KEYSLOT", key)
            port = owner_port(owners, slot)
            if port == shard.port:
                continue
            for command in (
                lambda c, k=key: _tensorset(c, k, array),
                lambda c, k=key: c.execute_command("AI.TENSORGET", k, "META", "BLOB"),
            ):
                with pytest.raises(redis.exceptions.MovedError) as moved:
                    command(connection)
                assert (moved.value.slot_id, moved.value.host, moved.value.port) == (slot, "127.0.0.1", port)
            assert connection.dbsize() == 0


def test_dump_on_one_shard_restores_on_another(ai_cluster: RunningCluster) -> None:
    owners = slot_owners(ai_cluster)
    cluster = ai_cluster.client()
    by_port = {shard.port: c for shard, c in zip(ai_cluster.shards, ai_cluster.shard_clients(), strict=True)}
    source_key = "{tag0}.src"
    source_port = owner_port(owners, cluster.keyslot(source_key))
    # A destination key whose slot lives on a different shard.
    target_key = next(
        f"{{{tag}}}.dst"
        for tag in TAGS
        if owner_port(owners, cluster.keyslot(f"{{{tag}}}.dst")) != source_port
    )
    target_port = owner_port(owners, cluster.keyslot(target_key))
    array = np.linspace(-1, 1, 12, dtype=np.float64).reshape(3, 4)
    cluster.execute_command("AI.TENSORSET", source_key, "DOUBLE", 3, 4, "BLOB", array.tobytes())

    payload = by_port[source_port].dump(source_key)
    assert payload is not None
    with pytest.raises(redis.exceptions.MovedError):
        by_port[source_port].restore(target_key, 0, payload)
    assert by_port[target_port].restore(target_key, 0, payload) == b"OK"
    assert by_port[target_port].type(target_key) == b"AI_TENSOR"
    assert by_port[target_port].execute_command("AI.TENSORGET", target_key, "META", "BLOB") == [
        b"dtype",
        b"DOUBLE",
        b"shape",
        [3, 4],
        b"blob",
        array.tobytes(),
    ]
    assert by_port[target_port].dump(target_key) == payload


def test_redis_cluster_follows_moved_after_a_slot_migration(ai_cluster: RunningCluster) -> None:
    """Move one slot (with its tensors, by MIGRATE = DUMP/RESTORE) to another shard.

    The RedisCluster client keeps its old slot map, gets MOVED from the old owner and follows it.
    """
    cluster = ai_cluster.client()
    owners = slot_owners(ai_cluster)
    shards = ai_cluster.shard_clients()
    by_port = {shard.port: c for shard, c in zip(ai_cluster.shards, shards, strict=True)}
    keys = [f"{{mig}}.t{i}" for i in range(5)]
    for i, key in enumerate(keys):
        _tensorset(cluster, key, _tensor(i))
    slot = cluster.keyslot(keys[0])
    source_port = owner_port(owners, slot)
    target_port = next(port for port in by_port if port != source_port)
    source, target = by_port[source_port], by_port[target_port]
    source_id = source.execute_command("CLUSTER MYID").decode()
    target_id = target.execute_command("CLUSTER MYID").decode()

    # redis-py turns the +OK of CLUSTER SETSLOT into True.
    assert target.execute_command("CLUSTER SETSLOT", slot, "IMPORTING", source_id) is True
    assert source.execute_command("CLUSTER SETSLOT", slot, "MIGRATING", target_id) is True
    assert source.execute_command("CLUSTER COUNTKEYSINSLOT", slot) == len(keys)
    assert source.execute_command("MIGRATE", "127.0.0.1", target_port, "", 0, 5000, "KEYS", *keys) == b"OK"
    for connection in shards:
        assert connection.execute_command("CLUSTER SETSLOT", slot, "NODE", target_id) is True

    assert source.execute_command("CLUSTER COUNTKEYSINSLOT", slot) == 0
    assert target.execute_command("CLUSTER COUNTKEYSINSLOT", slot) == len(keys)
    with pytest.raises(redis.exceptions.MovedError) as moved:
        source.execute_command("AI.TENSORGET", keys[0], "META", "BLOB")
    assert (moved.value.slot_id, moved.value.port) == (slot, target_port)

    # The cluster client still maps the slot to the old owner: it must follow MOVED.
    assert cluster.get_node_from_key(keys[0]).port == source_port
    for i, key in enumerate(keys):
        assert cluster.execute_command("AI.TENSORGET", key, "META", "BLOB") == _expected_reply(_tensor(i))
        assert target.type(key) == b"AI_TENSOR"
    assert cluster.get_node_from_key(keys[0]).port == target_port
    assert _tensorset(cluster, keys[0], _tensor(9)) == b"OK"
    assert target.execute_command("AI.TENSORGET", keys[0], "META", "BLOB") == _expected_reply(_tensor(9))
