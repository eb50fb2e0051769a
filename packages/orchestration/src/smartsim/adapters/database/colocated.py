"""Preparing a colocated launch: the server command and the wrapper that runs it with the app."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from typing import Any

from ...domain.db_objects import DBModel, DBScript
from .ai_module import resolve_ai_module
from .object_loader import to_json
from .server_binary import resolve_server_binary
from .server_command import ShardOptions, shard_argv


def wrapper_argv(
    model_name: str,
    model_path: str,
    settings: dict[str, Any],
    app_argv: list[str],
    models: list[DBModel] | None = None,
    scripts: list[DBScript] | None = None,
    server_binary: str | None = None,
) -> list[str]:
    """Write the wrapper's configuration next to the model and return the command that runs
    ``app_argv`` with its database."""
    server = resolve_server_binary(server_binary)
    module = resolve_ai_module()
    module_args = [item for pair in settings.get("rai_args", {}).items() for item in pair]
    unix_socket = settings.get("unix_socket")
    options = ShardOptions(
        port=int(settings.get("port", 0)),
        data_dir=model_path,
        unix_socket=unix_socket,
        # Permissions are given as chmod digits (755), i.e. octal.
        unix_socket_permissions=int(str(settings.get("socket_permissions", 755)), 8),
        extra_config=tuple((name, value) for name, value in settings.get("extra_db_args", {}).items()),
    )
    state_dir = os.path.join(model_path, ".smartsim")
    os.makedirs(state_dir, exist_ok=True)
    # One lock per database address and user: all ranks of the model on a node share it.
    digest = hashlib.sha1(f"{os.getuid()}:{unix_socket or settings.get('port')}".encode()).hexdigest()[:12]
    config = {
        "server_argv": shard_argv(server.path, module, module_args, options),
        "address": f"unix://{unix_socket}" if unix_socket else f"127.0.0.1:{settings['port']}",
        "lock_path": os.path.join(tempfile.gettempdir(), f"smartsim-colocated-{digest}.lock"),
        "pinning": settings.get("custom_pinning", ""),
        "log_path": os.path.join(model_path, f"{model_name}-db.log"),
        "workers": int(settings.get("rai_args", {}).get("THREADS_PER_QUEUE", 1)),
        "worker_args": [
            *(
                ["--inter-op-threads", v]
                if (v := settings.get("rai_args", {}).get("INTER_OP_PARALLELISM"))
                else []
            ),
            *(
                ["--intra-op-threads", v]
                if (v := settings.get("rai_args", {}).get("INTRA_OP_PARALLELISM"))
                else []
            ),
        ],
        **to_json(models or [], scripts or []),
    }
    config_path = os.path.join(state_dir, f"colocated_{model_name}.json")
    with open(config_path, "w") as handle:
        json.dump(config, handle, indent=2)
    return [sys.executable, "-m", "smartsim.entrypoints.colocated", config_path, "--", *app_argv]
