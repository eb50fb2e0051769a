"""Fixtures for driving the real SmartRedis 0.6.1 client against our server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from compat.real_client import RealClient, real_client_python
from smartredis import Client

__all__ = ["real_client_python"]


@pytest.fixture
def real_client(ai_server: Any, real_client_python: Path) -> RealClient:
    """The real client, standalone, against a fresh server."""
    return RealClient(real_client_python, f"{ai_server.host}:{ai_server.port}", "Standalone")


@pytest.fixture
def our_client(ai_server: Any, monkeypatch: pytest.MonkeyPatch) -> Client:
    """Our client on the standalone test server, without key prefixes."""
    monkeypatch.setenv("SSDB", f"{ai_server.host}:{ai_server.port}")
    monkeypatch.setenv("SR_DB_TYPE", "Standalone")
    for variable in ("SSKEYIN", "SSKEYOUT"):
        monkeypatch.delenv(variable, raising=False)
    return Client()
