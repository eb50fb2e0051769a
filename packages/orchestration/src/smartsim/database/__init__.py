"""``smartsim.database``: the Orchestrator, where SmartSim scripts import it from."""

from ..domain.orchestrator import Orchestrator

__all__ = ["Orchestrator"]
