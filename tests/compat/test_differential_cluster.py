"""Differential tests in cluster mode: the same operation sequences through the real SmartRedis
0.6.1 client and through ours (SR_DB_TYPE=Clustered), each against its own 3-shard cluster with
our module, must give the same results, the same errors (class and message) and, shard by shard,
identical keyspaces.

Both clusters assign the same slot ranges to their shards (``--cluster create`` splits the
16384 slots evenly in address order), so a key must land on the same shard in both. Models and
scripts are stored once per shard under ``{S}.<name>``, S being a tag that hashes to the shard's
first slot; the per-shard comparison checks that too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis
from hypothesis import given, settings
from hypothesis import strategies as st

from cluster_support import RunningCluster
from compat.differential import (
    SUPPRESSED_HEALTH_CHECKS,
    assert_same_results,
    environments,
    operations,
    run_ours,
)
from compat.keyspace import stored_contents
from compat.real_client import RealClient

pytestmark = [pytest.mark.compat, pytest.mark.slow]


def _slot_ranges(cluster: RunningCluster) -> list[tuple[int, int, int]]:
    """``(first slot, last slot, port)`` of every shard, by first slot."""
    probe = cluster.shard_clients()[0]
    return sorted(
        (int(lo), int(hi), int(node[1])) for lo, hi, node, *_ in probe.execute_command("CLUSTER SLOTS")
    )


def shard_contents(cluster: RunningCluster) -> list[tuple[int, int, dict[bytes, Any]]]:
    """Every shard's slot range and contents, in slot order: the whole keyspace of the cluster."""
    by_port: dict[int, redis.Redis] = {
        shard.port: connection
        for shard, connection in zip(cluster.shards, cluster.shard_clients(), strict=True)
    }
    return [(lo, hi, stored_contents(by_port[port])) for lo, hi, port in _slot_ranges(cluster)]


@pytest.fixture(scope="module")
def clusters(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningCluster, RunningCluster]]:
    theirs = RunningCluster(tmp_path_factory.mktemp("theirs"))
    try:
        ours = RunningCluster(tmp_path_factory.mktemp("ours"))
    except BaseException:
        theirs.stop()
        raise
    try:
        assert [r[:2] for r in _slot_ranges(theirs)] == [r[:2] for r in _slot_ranges(ours)]
        yield theirs, ours
    finally:
        theirs.stop()
        ours.stop()


@settings(max_examples=15, deadline=None, suppress_health_check=SUPPRESSED_HEALTH_CHECKS)
@given(env=environments, ops=st.lists(operations, min_size=1, max_size=12))
def test_same_results_and_keyspace_in_a_cluster(
    clusters: tuple[RunningCluster, RunningCluster],
    real_client_python: Any,
    env: dict[str, str],
    ops: list[dict[str, Any]],
) -> None:
    theirs_cluster, ours_cluster = clusters
    for cluster in clusters:
        cluster.flush()
    real = RealClient(
        real_client_python,
        theirs_cluster.addresses[1],
        "Clustered",
        extra_env={name: value for name, value in env.items() if value},
    )
    theirs = real.run_raw(ops)
    ours = run_ours(ours_cluster.addresses[1], "Clustered", env, ops)
    assert_same_results(ops, theirs, ours)
    assert shard_contents(ours_cluster) == shard_contents(theirs_cluster)
