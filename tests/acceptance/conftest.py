"""Fixtures for the seed-document examples: an Experiment and a standalone Orchestrator it runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from smartsim import Experiment
from smartsim.domain.orchestrator import Orchestrator


@pytest.fixture
def exp(tmp_path: Path) -> Experiment:
    return Experiment("seed-examples", exp_path=str(tmp_path), launcher="local")


@pytest.fixture
def orchestrator(exp: Experiment) -> Iterator[Orchestrator]:
    """The "Orchestrator launched prior to the Model" that the document's examples assume."""
    db = exp.create_database(port=0, interface="lo")
    exp.start(db)
    try:
        yield db
    finally:
        exp.stop(db)
