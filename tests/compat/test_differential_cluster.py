"""Differential tests in cluster mode: the same operation sequences through the real SmartRedis
0.6.1 client and through ours (SR_DB_TYPE=Clustered), each against its own 3-shard cluster with
our module, must give the same results, the same errors (class and message) and, shard by shard,
identical keyspaces.

Both clusters assign the same slot ranges to their shards (``--cluster create`` splits the
16384 slots evenly in address order), so a key must land on the same shard in both. Models and
scripts are stored once per shard under ``{S}.<name>``, S being a tag that hashes to the shard's
first slot; the per-shard comparison checks that too. The edge cases of
``test_differential_edges.py`` run here as well, with two documented SmartRedis cluster bugs
checked on their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from hypothesis import given, settings
from hypothesis import strategies as st

from cluster_support import RunningCluster
from compat.differential import (
    RENAME_ONTO_ITSELF,
    SUPPRESSED_HEALTH_CHECKS,
    assert_same_results,
    environments,
    operations,
    run_ours,
)
from compat.keyspace import stored_contents
from compat.real_client import RealClient
from compat.test_differential_edges import CASES, SETUP, case_id

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


def _names_an_empty_dataset(op: dict[str, Any]) -> bool:
    dataset_ops = (
        "put_dataset",
        "get_dataset",
        "dataset_exists",
        "delete_dataset",
        "copy_dataset",
        "rename_dataset",
    )
    names = [op.get("name"), op.get("src"), op.get("dataset", {}).get("name")]
    return op["op"] in dataset_ops and "" in names


# SmartRedis routes a key by its first `{...}` even when that tag is empty, where the server hashes
# the whole key: `{}.meta` goes to the wrong shard and fails with the redirect text. Ours routes it
# as the server does and gives the answer SmartRedis gives on a standalone server.
EMPTY_DATASET_CASES = [op for op in CASES if _names_an_empty_dataset(op)]
# SmartRedis leaves the `{S}.<input>.TMP` copies of the inputs behind when a run fails; ours
# removes them.
FAILING_RUNS = [op for op in CASES if op["op"] in ("run_model", "run_script")]
CLUSTER_CASES = [op for op in CASES if op not in EMPTY_DATASET_CASES and op not in FAILING_RUNS]


def _run_both(
    clusters: tuple[RunningCluster, RunningCluster], python: Any, op: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    theirs_cluster, ours_cluster = clusters
    for cluster in clusters:
        cluster.flush()
    ops = [*SETUP, op]
    theirs = RealClient(python, theirs_cluster.addresses[0], "Clustered").run_raw(ops)
    ours = run_ours(ours_cluster.addresses[0], "Clustered", {}, ops)
    return theirs, ours


@pytest.mark.parametrize("op", CLUSTER_CASES, ids=[case_id(op) for op in CLUSTER_CASES])
def test_edge_case_behaves_alike_in_a_cluster(
    clusters: tuple[RunningCluster, RunningCluster], real_client_python: Any, op: dict[str, Any]
) -> None:
    theirs, ours = _run_both(clusters, real_client_python, op)
    assert_same_results([*SETUP, op], theirs, ours)
    assert shard_contents(clusters[1]) == shard_contents(clusters[0])


@pytest.mark.parametrize("op", EMPTY_DATASET_CASES, ids=[case_id(op) for op in EMPTY_DATASET_CASES])
def test_empty_dataset_names_reach_the_owning_shard(
    clusters: tuple[RunningCluster, RunningCluster],
    real_client_python: Any,
    ai_server_factory: Any,
    op: dict[str, Any],
) -> None:
    theirs, ours = _run_both(clusters, real_client_python, op)
    assert theirs[-1]["error"] == "RedisRuntimeError"
    assert re.search(r": \d+ 127\.0\.0\.1:\d+$", theirs[-1]["message"]), theirs[-1]  # the MOVED text
    server = ai_server_factory()
    standalone = RealClient(real_client_python, f"{server.host}:{server.port}").run_raw([*SETUP, op])
    assert_same_results([*SETUP, op], standalone, ours)


@pytest.mark.parametrize("op", FAILING_RUNS, ids=[case_id(op) for op in FAILING_RUNS])
def test_a_failed_run_leaves_no_staging_keys(
    clusters: tuple[RunningCluster, RunningCluster], real_client_python: Any, op: dict[str, Any]
) -> None:
    theirs, ours = _run_both(clusters, real_client_python, op)
    assert_same_results([*SETUP, op], theirs, ours)
    their_shards = shard_contents(clusters[0])
    staging = [key for _, _, contents in their_shards for key in contents if key.endswith(b".TMP")]
    assert staging, "SmartRedis no longer leaves staging keys behind: compare the keyspaces whole"
    without_staging = [
        (lo, hi, {k: v for k, v in contents.items() if not k.endswith(b".TMP")})
        for lo, hi, contents in their_shards
    ]
    assert shard_contents(clusters[1]) == without_staging


def test_a_dataset_renamed_onto_itself_is_kept(
    clusters: tuple[RunningCluster, RunningCluster], real_client_python: Any
) -> None:
    """SmartRedis copies the dataset onto itself, then deletes the source: the data is gone. Ours
    leaves it in place (``RENAME_ONTO_ITSELF`` in ``compat/differential.py``)."""
    theirs, ours = _run_both(clusters, real_client_python, RENAME_ONTO_ITSELF)
    assert [theirs[-1], ours[-1]] == [{"ok": None}, {"ok": None}]
    check = [{"op": "dataset_exists", "name": RENAME_ONTO_ITSELF["src"]}]
    assert RealClient(real_client_python, clusters[0].addresses[0], "Clustered").run(check) == [False]
    assert run_ours(clusters[1].addresses[0], "Clustered", {}, check) == [{"ok": True}]
