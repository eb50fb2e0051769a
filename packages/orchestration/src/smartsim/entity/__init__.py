"""``smartsim.entity``: launchable entities, where SmartSim scripts import them from."""

from ..domain.model import Model

__all__ = ["Model"]
