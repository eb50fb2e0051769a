"""``smartsim.error``: the error classes, where SmartSim scripts import them from."""

from ..domain.errors import (
    AllocationError,
    EntityExistsError,
    LauncherError,
    LauncherUnsupportedFeature,
    ParameterWriterError,
    ShellError,
    SmartSimCLIActionCancelled,
    SmartSimError,
    SSConfigError,
    SSDBFilesNotParseable,
    SSDBIDConflictError,
    SSInternalError,
    SSReservedKeywordError,
    SSUnsupportedError,
    UserStrategyError,
)

__all__ = [
    "AllocationError",
    "EntityExistsError",
    "LauncherError",
    "LauncherUnsupportedFeature",
    "ParameterWriterError",
    "SSConfigError",
    "SSDBFilesNotParseable",
    "SSDBIDConflictError",
    "SSInternalError",
    "SSReservedKeywordError",
    "SSUnsupportedError",
    "ShellError",
    "SmartSimCLIActionCancelled",
    "SmartSimError",
    "UserStrategyError",
]
