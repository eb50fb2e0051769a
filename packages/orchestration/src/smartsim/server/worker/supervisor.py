"""Supervisor of the worker processes of one device: starts, restarts and stops them."""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO

from .backends import FRAMEWORKS, SUPPORTED, available_backends, import_quietly

log = logging.getLogger("smartsim.server.worker.supervisor")

BACKOFF_INITIAL_S = 0.5
BACKOFF_MAX_S = 10.0
STOP_GRACE_S = 5.0


class UsageError(Exception):
    """A command-line problem, reported on stderr with exit status 2."""


def normalize_device(device: str) -> str:
    name = device.strip().upper()
    if name == "CPU" or name.startswith("CPU:"):
        return name
    if name == "GPU" or (name.startswith("GPU:") and name[4:].isdigit()):
        return name
    raise UsageError(f"invalid device {device!r}: expected CPU, GPU or GPU:<n>")


# Exit status when no framework is installed at all: the Orchestrator then runs without workers
# (smartsim.services.worker_pools.NO_BACKEND_EXIT_CODE).
NO_BACKEND_EXIT_CODE = 3


class NoBackendError(UsageError):
    """No machine-learning framework is installed."""


def resolve_backends(requested: str | None) -> list[str]:
    """The backends to serve: those named (each must be importable), or all importable ones."""
    if requested is None:
        found = available_backends()
        if not found:
            raise NoBackendError(
                "no machine-learning framework is installed; install one with pip install "
                "smartsim[torch], smartsim[onnx], smartsim[tf] or smartsim[tflite]"
            )
        return found
    names = [b.strip().upper() for b in requested.split(",") if b.strip()]
    if not names:
        raise UsageError("--backends names no backend")
    for name in names:
        if name not in FRAMEWORKS:
            raise UsageError(f"unknown backend {name!r}: expected one of {', '.join(FRAMEWORKS)}")
        module, extra = FRAMEWORKS[name]
        if importlib.util.find_spec(module) is None:
            raise UsageError(f"backend {name} needs {module}, which is not installed: pip install {extra}")
        if name not in SUPPORTED:
            log.warning("backend %s is registered but its runs fail: this worker cannot execute them", name)
    return list(dict.fromkeys(names))


def visible_gpus(backend: str) -> int | None:
    """How many GPUs ``backend``'s framework sees (None: the backend runs on CPU only)."""
    if backend == "TORCH":
        import torch

        return int(torch.cuda.device_count()) if torch.cuda.is_available() else 0
    if backend == "ONNX":
        import onnxruntime

        # onnxruntime does not count devices; its CUDA provider reaches every visible one.
        return 1 if "CUDAExecutionProvider" in onnxruntime.get_available_providers() else 0
    if backend == "TF":
        tf = import_quietly("tensorflow")
        return len(tf.config.list_physical_devices("GPU"))
    return None


def check_device(device: str, backends: list[str]) -> None:
    """Refuse a GPU device that none of the served frameworks can reach, before registering."""
    if not device.startswith("GPU"):
        return
    index = int(device.split(":", 1)[1]) if ":" in device else 0
    seen = {backend: visible_gpus(backend) for backend in backends}
    counts = {backend: n for backend, n in seen.items() if n is not None}
    if not counts:
        raise UsageError(f"device {device}: {', '.join(backends)} run on CPU only")
    if max(counts.values()) == 0:
        raise UsageError(
            f"device {device}: no GPU is visible to {', '.join(counts)} (check CUDA_VISIBLE_DEVICES "
            "and that a CUDA build of the framework is installed)"
        )
    if "TORCH" in counts and index >= counts["TORCH"]:
        raise UsageError(f"device {device}: only {counts['TORCH']} GPU(s) are visible")


@dataclass
class Child:
    index: int
    process: subprocess.Popen[bytes] | None = None
    log_file: IO[bytes] | None = None
    failures: int = 0
    restart_at: float = 0.0
    started_at: float = field(default=0.0)


class Supervisor:
    def __init__(self, args: argparse.Namespace, device: str, backends: list[str]) -> None:
        self.args = args
        self.device = device
        self.backends = backends
        self.children = [Child(i) for i in range(args.workers)]
        self.stopping = False

    def child_argv(self, index: int) -> list[str]:
        argv = [sys.executable, "-m", "smartsim.server.worker", "--child", str(index)]
        argv += ["--address", self.args.address, "--device", self.device]
        argv += ["--backends", ",".join(self.backends)]
        argv += ["--intra-op-threads", str(self.args.intra_op_threads)]
        argv += ["--inter-op-threads", str(self.args.inter_op_threads)]
        return argv

    def log_path(self, index: int) -> Path | None:
        if self.args.log_dir is None:
            return None
        return Path(self.args.log_dir) / f"worker-{self.device}-{index}.log"

    def start(self, child: Child) -> None:
        path = self.log_path(child.index)
        stream: IO[bytes] | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            stream = open(path, "ab")  # noqa: SIM115 (kept open for the child's lifetime)
        if child.log_file is not None:
            child.log_file.close()
        child.log_file = stream
        child.process = subprocess.Popen(
            self.child_argv(child.index),
            stdout=stream if stream is not None else sys.stderr,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        child.started_at = time.monotonic()
        log.info("worker %d started (pid %d)", child.index, child.process.pid)

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True

    def poll(self) -> None:
        now = time.monotonic()
        for child in self.children:
            process = child.process
            if process is not None and process.poll() is not None:
                code = process.returncode
                reason = f"signal {-code}" if code < 0 else f"exit status {code}"
                if now - child.started_at > 30:
                    child.failures = 0
                delay = min(BACKOFF_INITIAL_S * (2**child.failures), BACKOFF_MAX_S)
                child.failures += 1
                log.warning(
                    "worker %d (pid %d) died (%s); restarting in %.1f s",
                    child.index,
                    process.pid,
                    reason,
                    delay,
                )
                child.process = None
                child.restart_at = now + delay
            if child.process is None and now >= child.restart_at:
                self.start(child)

    def stop_all(self) -> None:
        running = [c for c in self.children if c.process is not None and c.process.poll() is None]
        for child in running:
            assert child.process is not None
            child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for child in running:
            assert child.process is not None
            try:
                child.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()
        for child in self.children:
            if child.log_file is not None:
                child.log_file.close()

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)
        log.info(
            "serving %s on %s with %d worker(s) at %s",
            ",".join(self.backends),
            self.device,
            len(self.children),
            self.args.address,
        )
        try:
            while not self.stopping:
                self.poll()
                time.sleep(0.1)
        finally:
            self.stop_all()
        log.info("stopped")
        return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m smartsim.server.worker",
        description="Run worker processes that execute the AI module's models and scripts.",
    )
    parser.add_argument("--address", required=True, help="host:port or unix:///path of one shard")
    parser.add_argument("--device", required=True, help="CPU, GPU or GPU:<n>")
    parser.add_argument(
        "--backends", default=None, help="comma-separated: TORCH,ONNX,TF,TFLITE (default: those installed)"
    )
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--intra-op-threads", type=int, default=0)
    parser.add_argument("--inter-op-threads", type=int, default=0)
    parser.add_argument("--log-dir", default=None, help="directory of worker-<device>-<i>.log files")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("SMARTSIM_WORKER_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(process)d %(name)s %(levelname)s %(message)s",
    )
    try:
        if args.workers < 1:
            raise UsageError("--workers must be at least 1")
        device = normalize_device(args.device)
        backends = resolve_backends(args.backends)
        if args.child is None:
            check_device(device, backends)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return NO_BACKEND_EXIT_CODE if isinstance(error, NoBackendError) else 2
    if args.child is not None:
        from .worker import WorkerConfig, run_worker

        return run_worker(
            WorkerConfig(
                address=args.address,
                device=device,
                backends=backends,
                intra_op_threads=args.intra_op_threads,
                inter_op_threads=args.inter_op_threads,
            )
        )
    return Supervisor(args, device, backends).run()
