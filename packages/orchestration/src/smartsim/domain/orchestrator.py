"""``Orchestrator``: the database of an experiment, described before it runs.

The entity holds what the user asked for (shards, port, identifier, server options). The
addresses of the running shards are recorded by the driver once they answer; the entity only
reports them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from .errors import SmartSimError, SSUnsupportedError
from .keys_env import db_environment
from .names import validate_entity_name

DEFAULT_DB_IDENTIFIER = "orchestrator"


class Orchestrator:
    """A database of one or more shards; each shard is a server with the AI module loaded."""

    type = "Orchestrator"

    def __init__(
        self,
        path: str | None = None,
        port: int = 6379,
        interface: str | list[str] = "lo",
        launcher: str = "local",
        run_command: str = "auto",
        db_nodes: int = 1,
        batch: bool = False,
        hosts: list[str] | str | None = None,
        account: str | None = None,
        time: str | None = None,
        alloc: str | None = None,
        single_cmd: bool = False,
        *,
        threads_per_queue: int | None = None,
        inter_op_threads: int | None = None,
        intra_op_threads: int | None = None,
        db_identifier: str = DEFAULT_DB_IDENTIFIER,
        server_binary: str | None = None,
        worker_devices: str | list[str] = "CPU",
        **kwargs: Any,
    ) -> None:
        self.name = validate_entity_name(db_identifier, "Orchestrator")
        if not isinstance(port, int) or isinstance(port, bool) or not 0 <= port < 65536:
            raise TypeError(f"port must be an integer between 0 and 65535, got {port!r}")
        if not isinstance(db_nodes, int) or db_nodes < 1:
            raise ValueError(f"db_nodes must be a positive integer, got {db_nodes!r}")
        if db_nodes == 2:
            raise SSUnsupportedError("Orchestrator does not support clusters of size 2")
        if batch and launcher == "local":
            raise SmartSimError("Local orchestrator can not be launched with batch=True")
        for label, value in (
            ("threads_per_queue", threads_per_queue),
            ("inter_op_threads", inter_op_threads),
            ("intra_op_threads", intra_op_threads),
        ):
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ValueError(f"{label} must be a positive integer, got {value!r}")
        self.path = path if path is not None else os.getcwd()
        self.port = port
        self.interface = [interface] if isinstance(interface, str) else list(interface)
        self.launcher = launcher
        self.run_command = run_command
        self.db_nodes = db_nodes
        self.batch = batch
        self.hosts = [hosts] if isinstance(hosts, str) else list(hosts or [])
        self.account = account
        self.time = time
        self.alloc = alloc
        self.single_cmd = single_cmd
        self.threads_per_queue = threads_per_queue
        self.inter_op_threads = inter_op_threads
        self.intra_op_threads = intra_op_threads
        self.server_binary = server_binary
        devices = [worker_devices] if isinstance(worker_devices, str) else list(worker_devices)
        for device in devices:
            if not isinstance(device, str) or not device.upper().startswith(("CPU", "GPU")):
                raise ValueError(f"worker_devices must name CPU or GPU devices, got {device!r}")
        self.worker_devices = [device.upper() for device in devices]
        self.kwargs = kwargs
        self._addresses: list[str] = []
        self._health_check: Callable[[], bool] | None = None
        self._config_setter: Callable[[str, str], None] | None = None

    # Identity ----------------------------------------------------------------
    @property
    def db_identifier(self) -> str:
        return self.name

    @property
    def num_shards(self) -> int:
        return self.db_nodes

    @property
    def ports(self) -> list[int]:
        return [self.port]

    @property
    def shard_names(self) -> list[str]:
        return [f"{self.name}_{index}" for index in range(self.db_nodes)]

    @property
    def is_cluster(self) -> bool:
        return self.db_nodes >= 3

    @property
    def checkpoint_file(self) -> str:
        return os.path.join(self.path, "smartsim_db.dat")

    @property
    def workers_per_device(self) -> int:
        """Inference workers per device and shard: RedisAI's threads per queue (default 1)."""
        return self.threads_per_queue or 1

    def module_arguments(self) -> list[str]:
        """Load-time arguments of the AI module for each shard (KEY VALUE pairs)."""
        args: list[str] = []
        for key, value in (
            ("THREADS_PER_QUEUE", self.threads_per_queue),
            ("INTER_OP_PARALLELISM", self.inter_op_threads),
            ("INTRA_OP_PARALLELISM", self.intra_op_threads),
        ):
            if value is not None:
                args += [key, str(value)]
        return args

    # Run-time state, recorded by the driver ----------------------------------
    def mark_running(
        self,
        addresses: list[str],
        health_check: Callable[[], bool],
        config_setter: Callable[[str, str], None] | None = None,
    ) -> None:
        self._addresses = list(addresses)
        self._health_check = health_check
        self._config_setter = config_setter

    def mark_stopped(self) -> None:
        self._addresses = []
        self._health_check = None
        self._config_setter = None

    # Server configuration of a running database -------------------------------------------
    def set_db_conf(self, key: str, value: str) -> None:
        """``CONFIG SET key value`` on every shard of the running database."""
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError("set_db_conf takes a str key and a str value")
        if not self._addresses or self._config_setter is None:
            raise SmartSimError(
                "The SmartSim Orchestrator must be active in order to set the database's configurations."
            )
        self._config_setter(key, value)

    def set_max_memory(self, mem: str) -> None:
        self.set_db_conf("maxmemory", mem)

    def set_eviction_strategy(self, strategy: str) -> None:
        self.set_db_conf("maxmemory-policy", strategy)

    def set_max_clients(self, clients: int = 50_000) -> None:
        self.set_db_conf("maxclients", str(clients))

    def set_max_message_size(self, size: int = 1_073_741_824) -> None:
        self.set_db_conf("proto-max-bulk-len", str(size))

    def enable_checkpoints(self, frequency: int) -> None:
        """Snapshot to disk every ``frequency`` seconds when at least one key changed."""
        self.set_db_conf("save", f"{frequency} 1")

    def get_address(self) -> list[str]:
        """``["host:port", ...]`` of the running shards."""
        if not self._addresses:
            raise SmartSimError("Database is not active")
        return list(self._addresses)

    def is_active(self) -> bool:
        return bool(self._addresses) and self._health_check is not None and self._health_check()

    def client_environment(self) -> dict[str, str]:
        """``SSDB``/``SR_DB_TYPE`` (suffixed for a non-default identifier) for its clients."""
        return db_environment(self.name, self.get_address())

    def __len__(self) -> int:
        return self.db_nodes

    def __repr__(self) -> str:
        return f"Orchestrator(db_identifier={self.name!r}, port={self.port}, db_nodes={self.db_nodes})"
