"""``smartsim.settings``: run settings and the factory that resolves executables."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from typing import Any

from ..domain.errors import SmartSimError
from ..domain.settings import RunArgValue, RunSettings

__all__ = ["RunSettings", "create_run_settings"]

# Run commands tried, in order, by run_command="auto" for each launcher.
_AUTO_RUN_COMMANDS: dict[str, tuple[str, ...]] = {
    "local": (),
    "slurm": ("srun", "mpirun", "mpiexec"),
    "pbs": ("aprun", "mpirun", "mpiexec"),
    "pals": ("mpiexec",),
    "lsf": ("jsrun", "mpirun", "mpiexec"),
    "sge": ("mpirun", "mpiexec"),
}


def resolve_executable(exe: str) -> str:
    """The absolute path of ``exe`` (looked up on PATH when it has no directory part)."""
    if not isinstance(exe, str) or not exe:
        raise TypeError("Executable must be a non-empty string")
    found = shutil.which(exe) if os.sep not in exe else None
    candidate = found or os.path.abspath(os.path.expanduser(exe))
    if not os.path.exists(candidate):
        raise FileNotFoundError(f"Could not find executable: {exe}")
    if not os.path.isfile(candidate) or not os.access(candidate, os.X_OK):
        raise TypeError(f"Executable {exe} is not an executable file")
    return candidate


def resolve_run_command(launcher: str, run_command: str | None) -> str:
    if run_command != "auto":
        return run_command or ""
    candidates = _AUTO_RUN_COMMANDS.get(launcher, ())
    if not candidates:
        return ""
    for command in candidates:
        if shutil.which(command):
            return command
    raise SmartSimError(
        f"Could not find a run command for launcher {launcher!r}: none of {', '.join(candidates)} is on PATH"
    )


def create_run_settings(
    launcher: str,
    exe: str,
    exe_args: str | Sequence[str] | None = None,
    run_command: str = "auto",
    run_args: Mapping[str, RunArgValue] | None = None,
    env_vars: Mapping[str, str | None] | None = None,
    container: Any = None,
    **kwargs: Any,
) -> RunSettings:
    """Run settings for ``launcher`` with ``exe`` resolved to an absolute path."""
    resolved = exe if container is not None else resolve_executable(exe)
    return RunSettings(
        resolved,
        exe_args=exe_args,
        run_command=resolve_run_command(launcher, run_command),
        run_args=run_args,
        env_vars=env_vars,
        container=container,
        **kwargs,
    )
