"""Settings of a database colocated with a model: one server per node, next to the application,
reached over loopback TCP or a Unix socket. Pure validation; launching lives in the adapters."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .errors import SSUnsupportedError

_SOCKET_PATH = re.compile(r"[A-Za-z0-9.:,_\-/]+")
# Keyword arguments that configure the AI module (and its workers) rather than the server.
_MODULE_KWARGS = {
    "threads_per_queue": "THREADS_PER_QUEUE",
    "inter_op_parallelism": "INTER_OP_PARALLELISM",
    "intra_op_parallelism": "INTRA_OP_PARALLELISM",
    # The names SmartSim documents (and passes on to the server, which refuses them).
    "inter_op_threads": "INTER_OP_PARALLELISM",
    "intra_op_threads": "INTRA_OP_PARALLELISM",
}


def pinning_string(custom_pinning: Iterable[Any] | None, db_cpus: int) -> str:
    """CPU ids for the server: None pins to 0..db_cpus-1, an empty iterable pins nothing."""
    if custom_pinning is None:
        return ",".join(str(cpu) for cpu in range(db_cpus))
    cpus: list[int] = []
    for item in custom_pinning:
        group = list(item) if isinstance(item, Iterable) and not isinstance(item, (str, bytes)) else [item]
        for cpu in group:
            if not isinstance(cpu, int) or isinstance(cpu, bool):
                raise TypeError(f"CPU ids in custom_pinning must be integers, got {cpu!r}")
            if cpu < 0:
                raise ValueError(f"CPU ids in custom_pinning must not be negative, got {cpu}")
            if cpu not in cpus:
                cpus.append(cpu)
    return ",".join(str(cpu) for cpu in sorted(cpus))


def colocated_settings(
    *,
    port: int,
    ifname: str | list[str] | None,
    unix_socket: str | None,
    socket_permissions: int,
    db_cpus: int,
    custom_pinning: Iterable[Any] | None,
    debug: bool,
    db_identifier: str,
    kwargs: dict[str, Any],
) -> dict[str, Any]:
    """The ``colocated_db_settings`` dict of a model's run settings (SmartSim's keys)."""
    if not isinstance(db_cpus, int) or db_cpus < 1:
        raise ValueError(f"db_cpus must be a positive integer, got {db_cpus!r}")
    if "limit_app_cpus" in kwargs:
        raise SSUnsupportedError("limit_app_cpus is not supported: pin the application with its run settings")
    if unix_socket is not None and not _SOCKET_PATH.fullmatch(unix_socket):
        raise ValueError(f"Invalid unix_socket {unix_socket!r}: use letters, digits and . : , _ - / only")
    if not isinstance(port, int) or not 0 <= port < 65536:
        raise ValueError(f"port must be an integer between 0 and 65535, got {port!r}")
    module_args: dict[str, str] = {}
    extra_db_args: dict[str, str] = {}
    for key, value in kwargs.items():
        if key in _MODULE_KWARGS:
            module_args[_MODULE_KWARGS[key]] = str(value)
        else:
            extra_db_args[key.replace("_", "-")] = str(value)
    settings: dict[str, Any] = {
        "port": port,
        "cpus": db_cpus,
        "custom_pinning": pinning_string(custom_pinning, db_cpus),
        "debug": debug,
        "db_identifier": db_identifier,
        "rai_args": module_args,
        "extra_db_args": extra_db_args,
        "db_models": [],
        "db_scripts": [],
    }
    if unix_socket is not None:
        settings.update(unix_socket=unix_socket, socket_permissions=socket_permissions, port=0)
    else:
        settings["ifname"] = ifname if ifname is not None else "lo"
    return settings


def colocated_address(settings: dict[str, Any]) -> str:
    """Where the application finds its colocated database (the SSDB value)."""
    if settings.get("unix_socket"):
        return f"unix://{settings['unix_socket']}"
    return f"127.0.0.1:{settings['port']}"
