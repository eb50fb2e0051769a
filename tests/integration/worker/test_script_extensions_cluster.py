"""``redis.execute`` in a cluster: the script's commands run on the shard that ran the script."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from cluster_support import RunningCluster

from .conftest import Supervisor

SCRIPT = """
def set_pair(tensors: List[Tensor], keys: List[str], args: List[str]):
    redis.execute("SET", [keys[0], args[0]])
    redis.execute("SET", [args[1], args[0]])
"""


class ShardServer:
    """One cluster shard as the worker Supervisor expects a server."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port

    def client(self) -> redis.Redis:
        return redis.Redis(host=self.host, port=self.port, protocol=2)


@pytest.fixture
def torch_cluster(tmp_path: Path) -> Iterator[RunningCluster]:
    """A 3-shard cluster with a TORCH worker on every shard."""
    cluster = RunningCluster(tmp_path / "cluster")
    supervisors = [
        Supervisor(ShardServer(cluster.host, s.port), tmp_path / f"workers{i}")
        for i, s in enumerate(cluster.shards)
    ]
    try:
        for supervisor in supervisors:
            supervisor.start(backends=["TORCH"])
        yield cluster
    finally:
        for supervisor in supervisors:
            supervisor.stop()
        cluster.stop()


def test_commands_stay_on_the_script_shard(torch_cluster: RunningCluster) -> None:
    client = torch_cluster.client()
    script_node = client.get_node_from_key("{a}ext")
    other = next(
        f"{{{t}}}other" for t in "bcdefghijk" if client.get_node_from_key(f"{{{t}}}x") != script_node
    )
    client.execute_command(
        "AI.SCRIPTSTORE", "{a}ext", "CPU", "ENTRY_POINTS", 1, "set_pair", "SOURCE", SCRIPT,
        target_nodes=script_node,
    )  # fmt: skip
    same_slot = "{a}same"
    with pytest.raises(Exception, match=r"^Redis command returned an error: MOVED \d+ "):
        client.execute_command(
            "AI.SCRIPTEXECUTE", "{a}ext", "set_pair", "KEYS", 1, same_slot, "ARGS", 2, "v", other,
            target_nodes=script_node,
        )  # fmt: skip
    # The first SET, on the script's own slot, ran before the second was refused.
    assert client.get(same_slot) == b"v"
    assert client.get(other) is None
    client.execute_command(
        "AI.SCRIPTEXECUTE", "{a}ext", "set_pair", "KEYS", 1, same_slot, "ARGS", 2, "w", "{a}second",
        target_nodes=script_node,
    )  # fmt: skip
    assert (client.get(same_slot), client.get("{a}second")) == (b"w", b"w")
