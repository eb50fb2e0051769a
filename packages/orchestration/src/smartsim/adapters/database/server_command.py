"""The command line of one database shard."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ShardOptions:
    """What differs between shards and deployments; everything else is fixed policy below."""

    port: int
    bind_addresses: Sequence[str] = ("127.0.0.1",)
    data_dir: str = "."
    unix_socket: str | None = None
    unix_socket_permissions: int = 0o755
    cluster_config_file: str | None = None
    extra_config: Sequence[tuple[str, str]] = field(default_factory=tuple)


def shard_argv(
    server_path: str, module_path: str, module_args: Sequence[str], options: ShardOptions
) -> list[str]:
    """argv for a shard: no persistence, loopback by default, module loaded, log to stdout."""
    argv = [
        server_path,
        "--port",
        str(options.port),
        "--bind",
        *options.bind_addresses,
        "--protected-mode",
        "no",
        "--daemonize",
        "no",
        "--dir",
        options.data_dir,
        # No snapshots and no AOF unless asked: a simulation's scratch data should not hit disk.
        "--save",
        "",
        "--appendonly",
        "no",
        "--logfile",
        "",
        # Tensors are large values; clients that stream them must not be cut off.
        # Separate words: Redis 6.2 refuses the class and its limits passed as one argument.
        "--client-output-buffer-limit",
        "normal",
        "0",
        "0",
        "0",
        "--loadmodule",
        module_path,
        *module_args,
    ]
    if options.unix_socket:
        argv += [
            "--unixsocket",
            options.unix_socket,
            "--unixsocketperm",
            format(options.unix_socket_permissions, "o"),
        ]
    if options.cluster_config_file:
        argv += [
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            options.cluster_config_file,
        ]
    for name, value in options.extra_config:
        argv += [f"--{name}", value]
    return argv
