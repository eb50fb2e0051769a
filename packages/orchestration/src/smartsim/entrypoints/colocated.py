"""Run an application with a database colocated on its node.

Usage: ``python -m smartsim.entrypoints.colocated CONFIG.json -- APP [ARGS...]``

The first process on a node to take the lock starts the server (pinned to its CPUs when asked);
every process waits until the database answers, runs the application, and the one that started
the server shuts it down when its application exits. The exit status is the application's.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import IO, Any

from ..adapters.database.object_loader import from_json, load_into
from ..adapters.database.redis_connector import RedisConnector
from ..services.worker_pools import NO_BACKEND_EXIT_CODE

_READY_TIMEOUT_S = 60.0
_STOP_TIMEOUT_S = 10.0


def _take_node_lock(path: str) -> IO[str] | None:
    """The open lock file if this process now owns the node's database, else None."""
    handle = open(path, "a")  # noqa: SIM115  (held open for the process's lifetime on purpose)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def _start_server(config: dict[str, Any]) -> subprocess.Popen[bytes]:
    argv = list(config["server_argv"])
    pinning = config.get("pinning") or ""
    taskset = shutil.which("taskset")
    if pinning and taskset and sys.platform.startswith("linux"):
        argv = [taskset, "-c", pinning, *argv]
    log = open(config["log_path"], "ab")  # noqa: SIM115  (handed to the child)
    try:
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    finally:
        log.close()


def _wait_ready(address: str, server: subprocess.Popen[bytes] | None, log_path: str) -> None:
    connector = RedisConnector()
    deadline = time.monotonic() + _READY_TIMEOUT_S
    delay = 0.001
    while not connector.ping(address, timeout=0.5):
        if server is not None and server.poll() is not None:
            tail = Path(log_path).read_text(errors="replace")[-2000:] if os.path.exists(log_path) else ""
            raise RuntimeError(f"the colocated database exited with code {server.returncode}:\n{tail}")
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"the colocated database at {address} did not answer within {_READY_TIMEOUT_S:g} s"
            )
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


def _stop_server(address: str, server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    RedisConnector().shutdown(address)
    try:
        server.wait(_STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _start_workers(config: dict[str, Any]) -> subprocess.Popen[bytes] | None:
    """The inference-worker supervisor of the colocated database; None when no ML framework is
    installed (the database then stores models and scripts but cannot run them)."""
    argv = [
        sys.executable,
        "-m",
        "smartsim.server.worker",
        "--address",
        config["address"],
        "--device",
        "CPU",
        "--workers",
        str(config.get("workers", 1)),
        "--log-dir",
        os.path.dirname(config["log_path"]),
    ]
    argv += config.get("worker_args", [])
    supervisor = subprocess.Popen(argv, stdin=subprocess.DEVNULL)
    connector = RedisConnector()
    deadline = time.monotonic() + _READY_TIMEOUT_S
    delay = 0.005
    while connector.registered_workers(config["address"]) < int(config.get("workers", 1)):
        code = supervisor.poll()
        if code == NO_BACKEND_EXIT_CODE:
            return None
        if code is not None:
            raise RuntimeError(f"the inference workers exited with code {code}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the inference workers did not register within {_READY_TIMEOUT_S:g} s")
        time.sleep(delay)
        delay = min(delay * 2, 0.05)
    return supervisor


def _stop_workers(supervisor: subprocess.Popen[bytes] | None) -> None:
    if supervisor is None or supervisor.poll() is not None:
        return
    supervisor.terminate()
    try:
        supervisor.wait(_STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        supervisor.kill()
        supervisor.wait()


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    config = json.loads(Path(argv[0]).read_text())
    app_argv = argv[2:]
    lock = _take_node_lock(config["lock_path"])
    server = _start_server(config) if lock is not None else None
    workers: subprocess.Popen[bytes] | None = None
    try:
        _wait_ready(config["address"], server, config["log_path"])
        if server is not None:
            workers = _start_workers(config)
        models, scripts = from_json(config)
        if server is not None and (models or scripts):
            load_into([config["address"]], models, scripts)
    except Exception as err:
        print(f"smartsim: {err}", file=sys.stderr)
        _stop_workers(workers)
        if server is not None:
            _stop_server(config["address"], server)
        return 1
    app = subprocess.Popen(app_argv)

    def forward(signum: int, _frame: FrameType | None) -> None:
        app.send_signal(signum)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
        signal.signal(signum, forward)
    returncode = app.wait()
    _stop_workers(workers)
    if server is not None:
        _stop_server(config["address"], server)
    if lock is not None:
        lock.close()
    return returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
