"""The composition root: the one place that picks concrete adapters and wires them together."""

from __future__ import annotations

import os
import shutil
import sys

from .adapters.database import colocated as colocated_launch
from .adapters.database import object_loader
from .adapters.database.ai_module import resolve_ai_module
from .adapters.database.free_port import free_tcp_port, port_is_free
from .adapters.database.redis_connector import RedisConnector
from .adapters.database.server_binary import resolve_server_binary
from .adapters.database.server_command import ShardOptions, shard_argv
from .adapters.filesystem import generator as entity_generator
from .adapters.launchers.local import LocalLauncher
from .domain.errors import SSConfigError, SSUnsupportedError
from .domain.orchestrator import Orchestrator
from .ports.launcher import Launcher, LaunchRequest
from .services.orchestrator_lifecycle import OrchestratorLifecycle, ShardLaunch
from .services.worker_pools import WorkerPools

__all__ = ["colocated_launch", "entity_generator", "object_loader"]

SUPPORTED_LAUNCHERS = ("local",)
# A cluster shard also listens on its port + 10000 for the cluster bus.
_CLUSTER_BUS_OFFSET = 10000
KNOWN_LAUNCHERS = ("local", "slurm", "pbs", "pals", "lsf", "sge", "dragon", "auto")


def detect_launcher() -> str:
    """``auto``: a workload manager whose commands are on PATH, else ``local``."""
    if all(shutil.which(cmd) for cmd in ("qsub", "qstat", "qdel")):
        return "pbs"
    if all(shutil.which(cmd) for cmd in ("sacct", "srun", "salloc", "sbatch", "scancel", "sinfo")):
        return "slurm"
    if "PBS_JOBID" in os.environ:
        return "pbs"
    return "local"


def resolve_launcher_name(name: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"launcher must be a string, got {type(name).__name__}")
    lowered = name.lower()
    if lowered == "cobalt":
        raise SSUnsupportedError("Cobalt launcher is no longer supported.")
    if lowered not in KNOWN_LAUNCHERS:
        raise SSUnsupportedError(
            f"Launcher type not supported: {name}. Choose one of: {', '.join(KNOWN_LAUNCHERS)}"
        )
    return detect_launcher() if lowered == "auto" else lowered


def make_launcher(name: str) -> Launcher:
    if name == "local":
        return LocalLauncher()
    raise SSUnsupportedError(
        f"The {name} launcher is not available yet; supported: {', '.join(SUPPORTED_LAUNCHERS)}"
    )


def _local_shard_port(db: Orchestrator, index: int) -> int:
    """Shards on one host need distinct ports: the database's port, then the next ones. Port 0
    picks free ports (for a cluster, ones whose bus port, port + 10000, is free as well)."""
    if db.port:
        return db.port + index
    for _ in range(200):
        port = free_tcp_port()
        if not db.is_cluster or (
            port + _CLUSTER_BUS_OFFSET < 65536 and port_is_free(port + _CLUSTER_BUS_OFFSET)
        ):
            return port
    raise SSConfigError("No free port (with a free cluster bus port) was found for the database")


def _plan_local_shard(db: Orchestrator, experiment_path: str, index: int) -> ShardLaunch:
    server = resolve_server_binary(db.server_binary)
    module = resolve_ai_module()
    port = _local_shard_port(db, index)
    name = db.shard_names[index]
    cluster_file = None
    if db.is_cluster:
        cluster_file = os.path.join(db.path, f"nodes-{name}-{port}.conf")
        if os.path.exists(cluster_file):
            os.remove(cluster_file)  # a stale file would make the shard rejoin an old cluster
    argv = shard_argv(
        server.path,
        module,
        db.module_arguments(),
        ShardOptions(port=port, data_dir=db.path, cluster_config_file=cluster_file),
    )
    request = LaunchRequest(
        name=name,
        argv=argv,
        cwd=db.path,
        env=dict(os.environ),
        out_path=os.path.join(db.path, f"{name}.out"),
        err_path=os.path.join(db.path, f"{name}.err"),
        kind="database",
        bound_to_driver=True,
        experiment_path=experiment_path,
    )
    return ShardLaunch(request=request, address=f"127.0.0.1:{port}")


def _plan_local_workers(
    db: Orchestrator, experiment_path: str, index: int, address: str, device: str
) -> LaunchRequest:
    """The worker supervisor of one shard and device, run by the driver's own interpreter."""
    name = f"{db.shard_names[index]}_workers_{device.replace(':', '')}"
    argv = [
        sys.executable, "-m", "smartsim.server.worker",
        "--address", address,
        "--device", device,
        "--workers", str(db.workers_per_device),
        "--log-dir", db.path,
    ]  # fmt: skip
    if db.inter_op_threads:
        argv += ["--inter-op-threads", str(db.inter_op_threads)]
    if db.intra_op_threads:
        argv += ["--intra-op-threads", str(db.intra_op_threads)]
    return LaunchRequest(
        name=name,
        argv=argv,
        cwd=db.path,
        env=dict(os.environ),
        out_path=os.path.join(db.path, f"{name}.out"),
        err_path=os.path.join(db.path, f"{name}.err"),
        kind="worker",
        bound_to_driver=True,
        experiment_path=experiment_path,
    )


def make_worker_pools(launcher: Launcher) -> WorkerPools:
    return WorkerPools(launcher, RedisConnector(), _plan_local_workers)


def make_orchestrator_lifecycle(launcher: Launcher) -> OrchestratorLifecycle:
    return OrchestratorLifecycle(launcher, RedisConnector(), _plan_local_shard)
