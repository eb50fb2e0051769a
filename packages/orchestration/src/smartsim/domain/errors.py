"""Error classes with SmartSim's names and hierarchy, so ``except`` clauses keep working."""

from __future__ import annotations


class SmartSimError(Exception):
    """Base of the errors a user is expected to handle."""


class EntityExistsError(SmartSimError):
    """An entity with that name is already registered."""


class UserStrategyError(SmartSimError):
    """A user-supplied permutation strategy failed."""


class ParameterWriterError(SmartSimError):
    """A tagged file could not be written."""


class SSReservedKeywordError(SmartSimError):
    """A reserved keyword was used."""


class SSDBIDConflictError(SmartSimError):
    """Two databases share an identifier."""


class SSDBFilesNotParseable(SmartSimError):
    """The output files of a database could not be read."""


class SmartSimCLIActionCancelled(SmartSimError):
    """The user cancelled a command-line action."""


class SSUnsupportedError(Exception):
    """A feature or combination that is not supported."""


class SSInternalError(Exception):
    """Something inside the driver went wrong."""


class SSConfigError(SSInternalError):
    """The installation or configuration is not usable (e.g. no usable server binary)."""


class LauncherError(SSInternalError):
    """A launcher could not launch, query or stop a job."""


class AllocationError(LauncherError):
    """A workload manager allocation could not be obtained."""


class ShellError(LauncherError):
    """A command run by a launcher failed."""


class LauncherUnsupportedFeature(LauncherError):
    """The launcher does not offer the requested feature."""
