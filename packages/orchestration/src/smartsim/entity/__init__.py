"""``smartsim.entity``: launchable entities, where SmartSim scripts import them from."""

from ..domain.ensemble import Ensemble
from ..domain.model import Model

__all__ = ["Ensemble", "Model"]
