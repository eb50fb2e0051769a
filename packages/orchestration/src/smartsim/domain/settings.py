"""Run settings: what to execute and how (a value object; rendering is pure)."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

RunArgValue = str | int | float | None


def _as_arg_list(exe_args: str | Sequence[str] | None) -> list[str]:
    if exe_args is None:
        return []
    if isinstance(exe_args, str):
        return exe_args.split()
    if isinstance(exe_args, Sequence) and all(isinstance(arg, str) for arg in exe_args):
        return list(exe_args)
    raise TypeError("Executable arguments were not a list of str or a str.")


class RunSettings:
    """How to run one executable: the executable, its arguments, an optional run command
    (``mpirun``, ``srun``...) with its arguments, and extra environment variables.

    ``exe`` is taken as given here; :func:`smartsim.settings.create_run_settings` (and
    ``Experiment.create_run_settings``) resolve it to an absolute path first.
    """

    def __init__(
        self,
        exe: str,
        exe_args: str | Sequence[str] | None = None,
        run_command: str = "",
        run_args: Mapping[str, RunArgValue] | None = None,
        env_vars: Mapping[str, str | None] | None = None,
        container: Any = None,
        **_kwargs: Any,
    ) -> None:
        if not isinstance(exe, str) or not exe:
            raise TypeError("Executable must be a non-empty string")
        self.exe = exe
        self.exe_args = _as_arg_list(exe_args)
        self.run_command = run_command or ""
        self.run_args: dict[str, RunArgValue] = dict(run_args or {})
        self.env_vars: dict[str, str | None] = dict(env_vars or {})
        self.container = container
        self.colocated_db_settings: dict[str, Any] | None = None

    def add_exe_args(self, args: str | Sequence[str]) -> None:
        self.exe_args.extend(_as_arg_list(args))

    def set(self, arg: str, value: RunArgValue = None) -> None:
        """Set a run argument (``--arg value``, or ``--arg`` when ``value`` is None)."""
        if not isinstance(arg, str):
            raise TypeError("Argument name should be of type str")
        self.run_args[arg.lstrip("-")] = value

    def update_env(self, env_vars: Mapping[str, str | int | float | bool]) -> None:
        for name, value in env_vars.items():
            if not isinstance(value, (str, int, float, bool)):
                raise TypeError(f"env_vars[{name}] was of type {type(value)}, not str, int, float or bool")
            self.env_vars[name] = str(value)

    def format_run_args(self) -> list[str]:
        """Run arguments as command-line words: one letter gets ``-a v``, longer ``--arg=v``."""
        words: list[str] = []
        for name, value in self.run_args.items():
            prefix = "-" if len(name) == 1 else "--"
            if value is None:
                words.append(prefix + name)
            elif len(name) == 1:
                words += [prefix + name, str(value)]
            else:
                words.append(f"{prefix}{name}={value}")
        return words

    def command_line(self) -> list[str]:
        """The full argv: run command and its arguments (if any), then the executable."""
        launch = [self.run_command, *self.format_run_args()] if self.run_command else []
        return [*launch, self.exe, *self.exe_args]

    def copy(self) -> RunSettings:
        return copy.deepcopy(self)

    def __str__(self) -> str:
        return " ".join(self.command_line())
