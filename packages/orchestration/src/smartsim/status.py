"""``smartsim.status``: job statuses, where SmartSim scripts import them from."""

from .domain.status import TERMINAL_STATUSES, SmartSimStatus

__all__ = ["TERMINAL_STATUSES", "SmartSimStatus"]
