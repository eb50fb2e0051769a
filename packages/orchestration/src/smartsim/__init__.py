"""smartsim: launch simulations and the Orchestrator database they share data and models through.

Driver scripts written for SmartSim run unchanged: ``from smartsim import Experiment``.
"""

from __future__ import annotations

from importlib import metadata as _metadata

from .domain.status import SmartSimStatus
from .experiment import Experiment

try:
    __version__ = _metadata.version("smartsim")
except _metadata.PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0"

__all__ = ["Experiment", "SmartSimStatus", "__version__"]
