"""Our client on a 3-shard cluster: routing by key slot, per-shard pipelines, MOVED and ASK.

The shards are inspected through direct redis-py connections to each shard, never through the
client under test.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import redis

from cluster_support import RunningCluster, poll_until
from compat.workers import running_workers
from smartredis import Client, Dataset, RedisRuntimeError, keys
from smartredis.keys import key_slot


@pytest.fixture
def client(ai_cluster: RunningCluster, monkeypatch: pytest.MonkeyPatch) -> Client:
    monkeypatch.setenv("SSDB", ai_cluster.addresses[1])
    monkeypatch.setenv("SR_DB_TYPE", "Clustered")
    return Client()


def _owners(cluster: RunningCluster) -> dict[int, redis.Redis]:
    """The direct connection of the shard owning each slot."""
    shards = cluster.shard_clients()
    by_port = {shard.port: connection for shard, connection in zip(cluster.shards, shards, strict=True)}
    owners: dict[int, redis.Redis] = {}
    for low, high, node, *_ in shards[0].execute_command("CLUSTER SLOTS"):
        for slot in range(int(low), int(high) + 1):
            owners[slot] = by_port[int(node[1])]
    return owners


def test_tensors_are_stored_on_the_shard_owning_their_key(client: Client, ai_cluster: RunningCluster) -> None:
    owners = _owners(ai_cluster)
    names = [f"t{i}" for i in range(30)]
    for i, name in enumerate(names):
        client.put_tensor(name, np.full((2, 3), i, dtype=np.float32))
    used_shards = {owners[key_slot(name)].connection_pool.connection_kwargs["port"] for name in names}
    assert len(used_shards) == 3
    for i, name in enumerate(names):
        assert owners[key_slot(name)].type(name) == b"AI_TENSOR"
        back = client.get_tensor(name)
        assert back.dtype == np.float32 and back.shape == (2, 3) and (back == i).all()
        assert client.tensor_exists(name)
    client.delete_tensor(names[0])
    assert not client.tensor_exists(names[0])
    with pytest.raises(RedisRuntimeError, match="Redis error when executing command: "):
        client.get_tensor(names[0])


def test_a_large_tensor_round_trips_in_place(client: Client) -> None:
    data = np.random.default_rng(0).random((512, 1024))
    client.put_tensor("big", data)
    back = client.get_tensor("big")
    assert np.array_equal(back, data)
    back[0, 0] = -1.0  # the array is writable: it was received into fresh memory


def test_rename_and_copy_across_shards(client: Client, ai_cluster: RunningCluster) -> None:
    owners = _owners(ai_cluster)
    source, target = (
        "src",
        next(f"dst{i}" for i in range(100) if owners[key_slot(f"dst{i}")] is not owners[key_slot("src")]),
    )
    client.put_tensor(source, np.arange(4, dtype=np.int64))
    client.copy_tensor(source, target)
    assert np.array_equal(client.get_tensor(target), np.arange(4))
    client.rename_tensor(source, "renamed")
    assert not client.tensor_exists(source)
    assert np.array_equal(client.get_tensor("renamed"), np.arange(4))


def test_aggregation_list_reads_datasets_from_every_shard_in_list_order(
    client: Client, ai_cluster: RunningCluster
) -> None:
    owners = _owners(ai_cluster)
    names = [f"ds{i}" for i in range(12)]
    for i, name in enumerate(names):
        dataset = Dataset(name)
        dataset.add_tensor("x", np.full(3, i, dtype=np.int32))
        dataset.add_meta_scalar("step", i)
        client.put_dataset(dataset)
        client.append_to_list("results", dataset)
    metas = [keys.dataset_meta_key(keys.dataset_key(name, "")) for name in names]
    assert len({id(owners[key_slot(meta)]) for meta in metas}) == 3
    datasets = client.get_datasets_from_list("results")
    assert [d.name for d in datasets] == names
    for i, dataset in enumerate(datasets):
        assert (dataset.get_tensor("x") == i).all()
        assert list(dataset.get_meta_scalars("step")) == [i]
    assert [d.name for d in client.get_dataset_list_range("results", 3, 5)] == names[3:6]


def test_keyless_commands_and_admin_calls_reach_the_named_nodes(
    client: Client, ai_cluster: RunningCluster
) -> None:
    client.set_model_chunk_size(1024 * 1024)
    infos = client.get_db_node_info(ai_cluster.addresses)
    assert [int(info["Server"]["tcp_port"]) for info in infos] == [shard.port for shard in ai_cluster.shards]
    assert all(info["cluster_state"] == "ok" for info in client.get_db_cluster_info(ai_cluster.addresses))
    assert client.config_get("maxmemory-policy", ai_cluster.addresses[2]) == {
        "maxmemory-policy": "noeviction"
    }
    client.put_tensor("flushed", np.zeros(2))
    client.flush_db(ai_cluster.addresses)
    assert not client.tensor_exists("flushed")
    with pytest.raises(RedisRuntimeError, match="Redis has failed to find database"):
        client.get_db_node_info(["127.0.0.1:1"])


class SlotMover:
    """Moves slots between shards for a test and gives them back (empty) afterwards, so the next
    tests of the module see the original three contiguous ranges again."""

    def __init__(self, cluster: RunningCluster) -> None:
        self.cluster = cluster
        self.moved: list[tuple[int, str]] = []

    def start(self, slot: int) -> tuple[redis.Redis, redis.Redis, str]:
        """Mark ``slot`` MIGRATING on its owner and IMPORTING on another shard."""
        owners = _owners(self.cluster)
        source = owners[slot]
        target = next(connection for connection in set(owners.values()) if connection is not source)
        source_id = source.execute_command("CLUSTER MYID").decode()
        target_id = target.execute_command("CLUSTER MYID").decode()
        self.moved.append((slot, source_id))
        target.execute_command("CLUSTER SETSLOT", slot, "IMPORTING", source_id)
        source.execute_command("CLUSTER SETSLOT", slot, "MIGRATING", target_id)
        return source, target, target_id

    def finish(self, slot: int, target_id: str) -> None:
        for connection in self.cluster.shard_clients():
            connection.execute_command("CLUSTER SETSLOT", slot, "NODE", target_id)

    def restore(self) -> None:
        self.cluster.flush()
        shards = self.cluster.shard_clients()
        for slot, owner_id in self.moved:
            for connection in shards:
                connection.execute_command("CLUSTER SETSLOT", slot, "STABLE")
            for connection in shards:
                connection.execute_command("CLUSTER SETSLOT", slot, "NODE", owner_id)

        def contiguous() -> bool:
            return all(len(connection.execute_command("CLUSTER SLOTS")) == 3 for connection in shards)

        poll_until(contiguous, 30, "the slots did not return to their shards", self.cluster.logs)


@pytest.fixture
def slots(ai_cluster: RunningCluster) -> Iterator[SlotMover]:
    mover = SlotMover(ai_cluster)
    yield mover
    mover.restore()


def _port(connection: redis.Redis) -> int:
    return int(connection.connection_pool.connection_kwargs["port"])


def test_ask_during_a_migration_and_moved_after_it(client: Client, slots: SlotMover) -> None:
    keys = [f"{{mig}}.t{i}" for i in range(4)]
    for i, key in enumerate(keys):
        client.put_tensor(key, np.full(3, i, dtype=np.int16))
    slot = key_slot(keys[0])
    source, target, target_id = slots.start(slot)
    # Half the keys move: the source answers ASK for them and still serves the others.
    source.execute_command("MIGRATE", "127.0.0.1", _port(target), "", 0, 5000, "KEYS", *keys[:2])
    for i, key in enumerate(keys):
        assert (client.get_tensor(key) == i).all()
    assert source.execute_command("CLUSTER COUNTKEYSINSLOT", slot) == 2
    source.execute_command("MIGRATE", "127.0.0.1", _port(target), "", 0, 5000, "KEYS", *keys[2:])
    slots.finish(slot, target_id)
    # The client's slot map still names the source: every path must follow MOVED.
    for i, key in enumerate(keys):
        assert (client.get_tensor(key) == i).all()
    client.put_tensor(keys[0], np.full(3, 9, dtype=np.int16))
    assert target.type(keys[0]) == b"AI_TENSOR"
    assert (client.get_tensor(keys[0]) == 9).all()


def test_a_pipeline_follows_moved_and_keeps_reply_order(client: Client, slots: SlotMover) -> None:
    dataset = Dataset("moving")
    dataset.add_tensor("a", np.arange(3, dtype=np.float64))
    dataset.add_meta_string("note", "before")
    client.put_dataset(dataset)
    meta_key = keys.dataset_meta_key(keys.dataset_key("moving", ""))
    slot = key_slot(meta_key)
    source, target, target_id = slots.start(slot)
    keys_in_slot = list(source.execute_command("CLUSTER GETKEYSINSLOT", slot, 100))
    source.execute_command("MIGRATE", "127.0.0.1", _port(target), "", 0, 5000, "KEYS", *keys_in_slot)
    slots.finish(slot, target_id)
    # The client's slot map still names the source: the first command after the move is the
    # dataset write pipeline, whose every command comes back MOVED and is sent again in order.
    dataset.add_meta_string("note", "after")
    client.put_dataset(dataset)
    assert target.hexists(meta_key, keys.DATASET_ACK_FIELD)
    back = client.get_dataset("moving")
    assert np.array_equal(back.get_tensor("a"), np.arange(3))
    assert back.get_meta_strings("note") == ["before", "after"]


def test_models_and_scripts_run_on_the_shard_of_their_first_input(
    client: Client, ai_cluster: RunningCluster, tmp_path: Path
) -> None:
    torch = pytest.importorskip("torch", reason="the inference workers need torch")

    class Double(torch.nn.Module):  # type: ignore[misc]
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * 2

    buffer = io.BytesIO()
    torch.jit.save(torch.jit.script(Double()), buffer)
    x = np.arange(8, dtype=np.float32).reshape(2, 4)
    client.put_tensor("x", x)
    client.put_tensor("b", np.full((2, 4), 0.5, dtype=np.float32))
    client.set_model("double", buffer.getvalue(), "TORCH")
    client.set_script("add", "def add(a, b):\n    return a + b\n")
    assert client.model_exists("double") and client.get_model("double") == buffer.getvalue()
    with running_workers(ai_cluster.addresses, tmp_path / "workers"):
        client.run_model("double", inputs=["x"], outputs=["y"])
        client.run_script("add", "add", ["y", "b"], ["z"])
    assert np.array_equal(client.get_tensor("y"), x * 2)
    assert np.array_equal(client.get_tensor("z"), x * 2 + 0.5)
    infos = client.get_ai_info(ai_cluster.addresses, "double")
    assert sum(int(info["calls"]) for info in infos) == 1, infos
    client.delete_model("double")
    client.delete_script("add")
    assert not client.model_exists("double")
    # Only the tensors remain: the staged {S}.<name>.TMP keys and every per-shard copy are gone.
    remaining = sorted(key for shard in ai_cluster.shard_clients() for key in shard.keys())  # noqa: SIM118 (redis-py KEYS)
    assert remaining == [b"b", b"x", b"y", b"z"]


def test_connections_killed_on_every_shard_are_reopened(client: Client, ai_cluster: RunningCluster) -> None:
    for i in range(6):
        dataset = Dataset(f"k{i}")
        dataset.add_tensor("x", np.full(2, i))
        client.put_dataset(dataset)
        client.append_to_list("killed", dataset)
    for shard in ai_cluster.shard_clients():
        assert shard.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes") >= 1
    assert [int(d.get_tensor("x")[0]) for d in client.get_datasets_from_list("killed")] == list(range(6))
