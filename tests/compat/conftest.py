"""Fixtures for driving the real SmartRedis 0.6.1 client against our server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from compat.real_client import RealClient, real_client_python

__all__ = ["real_client_python"]


@pytest.fixture
def real_client(ai_server: Any, real_client_python: Path) -> RealClient:
    """The real client, standalone, against a fresh server."""
    return RealClient(real_client_python, f"{ai_server.host}:{ai_server.port}", "Standalone")
