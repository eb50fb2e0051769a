"""Differential tests: the same operation sequences through the real SmartRedis 0.6.1 client and
through ours, each against its own fresh standalone server, must give the same results, the same
errors (class and message) and identical keyspaces (names, types, bytes).

The operations, their strategies and our runner live in ``compat/differential.py``; the cluster
variant is ``test_differential_cluster.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


@pytest.fixture
def servers(ai_server_factory: Any) -> tuple[Any, Any]:
    return ai_server_factory(), ai_server_factory()


@settings(max_examples=25, deadline=None, suppress_health_check=SUPPRESSED_HEALTH_CHECKS)
@given(env=environments, ops=st.lists(operations, min_size=1, max_size=12))
def test_same_results_and_keyspace(
    servers: tuple[Any, Any], real_client_python: Any, env: dict[str, str], ops: list[dict[str, Any]]
) -> None:
    theirs_server, ours_server = servers
    for server in servers:
        server.client().flushall()
    real = RealClient(
        real_client_python,
        f"{theirs_server.host}:{theirs_server.port}",
        "Standalone",
        extra_env={name: value for name, value in env.items() if value},
    )
    theirs = real.run_raw(ops)
    ours = run_ours(f"{ours_server.host}:{ours_server.port}", "Standalone", env, ops)
    assert_same_results(ops, theirs, ours)
    assert stored_contents(ours_server.client()) == stored_contents(theirs_server.client())


@pytest.mark.parametrize(
    ("batch_size", "min_batch_size", "min_batch_timeout"),
    [(0, 2, 0), (0, 0, 10), (4, 0, 10), (4, 2, 10)],
)
def test_batch_settings_are_checked_alike(
    servers: tuple[Any, Any],
    real_client_python: Any,
    batch_size: int,
    min_batch_size: int,
    min_batch_timeout: int,
) -> None:
    ops = [
        {
            "op": "set_model",
            "name": "m",
            "model": "bW9kZWw=",
            "backend": "TORCH",
            "batch_size": batch_size,
            "min_batch_size": min_batch_size,
            "min_batch_timeout": min_batch_timeout,
        }
    ]
    theirs_server, ours_server = servers
    theirs = RealClient(real_client_python, f"{theirs_server.host}:{theirs_server.port}").run_raw(ops)
    ours = run_ours(f"{ours_server.host}:{ours_server.port}", "Standalone", {}, ops)
    assert_same_results(ops, theirs, ours)
    assert stored_contents(ours_server.client()) == stored_contents(theirs_server.client())
