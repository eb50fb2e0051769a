"""Execution in a 3-shard cluster: one fake worker per shard, connected to its shard directly.

Outputs must land in the slot of their key (the Valkey 8 slot-caching pitfall): EXISTS and
TENSORGET through a cluster client find them, and every key of a command is declared, so a
command whose keys span slots is refused with CROSSSLOT.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import redis

from cluster_support import HOST, RunningCluster

from .conftest import WorkerGroup


class _Shard:
    """The part of the ai_server interface WorkerGroup uses, for one cluster shard."""

    host = HOST

    def __init__(self, port: int) -> None:
        self.port = port

    def client(self) -> redis.Redis:
        return redis.Redis(host=HOST, port=self.port, protocol=2)


@pytest.fixture
def cluster_with_workers(tmp_path: Path) -> Iterator[RunningCluster]:
    cluster = RunningCluster(tmp_path / "cluster")
    groups = [
        WorkerGroup(_Shard(shard.port), tmp_path / f"runs{i}.jsonl") for i, shard in enumerate(cluster.shards)
    ]
    try:
        for group in groups:
            group.start(1)
        yield cluster
    finally:
        for group in groups:
            group.stop()
        cluster.stop()


def test_outputs_land_in_their_slot_on_every_shard(cluster_with_workers: RunningCluster) -> None:
    client: Any = cluster_with_workers.client()
    x = np.arange(4, dtype=np.float32)
    tags = [str(i) for i in range(12)]
    for tag in tags:
        client.execute_command("AI.MODELSTORE", f"m{{{tag}}}", "TORCH", "CPU", "BLOB", b"scale:2")
        client.execute_command("AI.TENSORSET", f"a{{{tag}}}", "FLOAT", 4, "BLOB", x.tobytes())
    for tag in tags:
        reply = client.execute_command(
            "AI.MODELEXECUTE", f"m{{{tag}}}", "INPUTS", 1, f"a{{{tag}}}", "OUTPUTS", 1, f"b{{{tag}}}"
        )
        assert reply == b"OK"
        assert client.exists(f"b{{{tag}}}") == 1
        assert client.execute_command("AI.TENSORGET", f"b{{{tag}}}", "BLOB") == (x * 2).tobytes()
    owners = {client.keyslot(f"b{{{tag}}}") // 5462 for tag in tags}
    assert len(owners) > 1


def test_keys_in_different_slots_are_refused(cluster_with_workers: RunningCluster) -> None:
    shard = redis.Redis(host=HOST, port=cluster_with_workers.shards[0].port, protocol=2)
    with pytest.raises(redis.ResponseError, match="hash to the same slot"):
        shard.execute_command("AI.MODELEXECUTE", "m{1}", "INPUTS", 1, "a{2}", "OUTPUTS", 1, "b{1}")
