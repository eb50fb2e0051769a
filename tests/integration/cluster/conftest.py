"""A 3-shard cluster with the AI module, shared by the tests of a module and flushed between them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cluster_support import RunningCluster
from compat.real_client import RealClient, real_client_python

__all__ = ["real_client_python"]


@pytest.fixture(scope="module")
def ai_cluster_shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCluster]:
    cluster = RunningCluster(tmp_path_factory.mktemp("cluster"))
    yield cluster
    cluster.stop()


@pytest.fixture
def ai_cluster(ai_cluster_shared: RunningCluster) -> RunningCluster:
    """The module's cluster, empty and healthy at the start of each test."""
    ai_cluster_shared.flush()
    assert ai_cluster_shared.is_ready(), ai_cluster_shared.logs()
    return ai_cluster_shared


@pytest.fixture
def real_cluster_client(ai_cluster: RunningCluster, real_client_python: Path) -> RealClient:
    """The real SmartRedis client in cluster mode, seeded with one shard's address."""
    return RealClient(real_client_python, ai_cluster.addresses[1], "Clustered")
