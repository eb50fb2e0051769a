"""Inference workers for tests that drive a bare server: one supervisor per shard address."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry


def _registered(address: str) -> int:
    host, _, port = address.rpartition(":")
    client = redis.Redis(host=host, port=int(port), protocol=2, retry=Retry(NoBackoff(), 0))
    try:
        return len(client.execute_command("AI._WORKER.LIST"))
    except (redis.exceptions.RedisError, OSError):
        return 0
    finally:
        client.close()


@contextlib.contextmanager
def running_workers(
    addresses: Sequence[str], log_dir: Path, timeout_s: float = 60.0, backends: Sequence[str] = ("TORCH",)
) -> Iterator[None]:
    """Start ``python -m smartsim.server.worker`` for every address; wait until each registered."""
    log_dir.mkdir(parents=True, exist_ok=True)
    supervisors = []
    try:
        for index, address in enumerate(addresses):
            with open(log_dir / f"supervisor{index}.out", "ab") as out:
                argv = [sys.executable, "-m", "smartsim.server.worker", "--address", address]
                argv += ["--device", "CPU", "--backends", ",".join(backends), "--intra-op-threads", "1"]
                argv += ["--log-dir", str(log_dir)]
                supervisors.append(subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + timeout_s
        delay = 0.005
        while not all(_registered(address) >= 1 for address in addresses):
            if any(process.poll() is not None for process in supervisors) or time.monotonic() > deadline:
                logs = "\n".join(path.read_text(errors="replace") for path in sorted(log_dir.glob("*")))
                raise RuntimeError(f"inference workers did not register:\n{logs[-3000:]}")
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
        yield
    finally:
        for process in supervisors:
            process.terminate()
        for process in supervisors:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
