"""What ``run_model`` through the Orchestrator costs on top of calling the model in process.

A tiny TorchScript model (one 4x4 linear layer on a 1x4 float tensor) is stored in a server with
the AI module and served by real inference workers (``python -m smartsim.server.worker``, one
worker, one intra-op thread). Per transport (TCP, Unix socket) every call is timed on its own:

- ``in-process``: ``module(torch.from_numpy(x))`` then ``.numpy()`` in this process (one thread);
- ``run_model``: ``Client.run_model`` alone (input tensor already stored);
- ``put+run+get``: ``put_tensor``, ``run_model``, ``get_tensor``: the whole round trip;
- the same two with the real SmartRedis 0.6.1 client, when its virtual environment
  (``.venv-compat``, built by the compatibility tests) exists, as extra columns.

Overhead = a call's latency minus the median in-process latency; the median and the 90th
percentile of that are printed in microseconds. The modes run in alternating blocks, so drift
on a shared machine favours none of them.

Goal: at most 150 µs median overhead for ``run_model``.

``--lean`` adds rows for a second copy of the model stored on device ``CPU:1`` and served by
``_lean_workers.lean_torch_worker`` (bare socket, hiredis, positional parsing) beside the real
workers, in the same alternating blocks: a what-if for the worker's protocol client
(``--pipelined``: the stand-in sends each DONE with its next NEXT).

    python benchmarks/bench_run_model_overhead.py
    python benchmarks/bench_run_model_overhead.py --calls 2000 --reps 7 --transport unix
    python benchmarks/bench_run_model_overhead.py --server-cpus 0 --client-cpus 1 --worker-cpus 1

Small-operation latency on small VMs is dominated by cross-CPU wake-ups: compare numbers only
within one CPU layout.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _lean_workers import lean_torch_worker
from _server import TRANSPORTS, BenchServer, parse_cpus, running_server
from _workers import running_workers, torchscript_blob, worker_address

from smartredis import Client

MODEL = "bench_linear"
LEAN_MODEL = "bench_linear_lean"
LEAN_DEVICE = "CPU:1"  # its own queue in the module, served only by the lean stand-in
WARMUP_CALLS = 200
REPO_ROOT = Path(__file__).resolve().parents[1]

# The timing loop of the real SmartRedis client, run by the compatibility venv's python. It serves
# blocks on request ("<calls>\n" on stdin -> one JSON line of per-call nanoseconds) so that its
# blocks alternate with ours in one run.
REAL_CLIENT_LOOP = r"""
import json, sys, time
import numpy as np
from smartredis import Client

client = Client(cluster=False, address=sys.argv[1])
model, x = sys.argv[2], np.arange(4, dtype=np.float32).reshape(1, 4)
client.put_tensor("real_in", x)

def run_only():
    client.run_model(model, ["real_in"], ["real_out"])

def round_trip():
    client.put_tensor("real_in", x)
    client.run_model(model, ["real_in"], ["real_out"])
    client.get_tensor("real_out")

def timed(call, count):
    samples = []
    for _ in range(count):
        started = time.perf_counter_ns()
        call()
        samples.append(time.perf_counter_ns() - started)
    return samples

print("ready", flush=True)
for line in sys.stdin:
    count = int(line)
    blocks = {"run_model": timed(run_only, count), "put+run+get": timed(round_trip, count)}
    print(json.dumps(blocks), flush=True)
"""


class Linear4(torch.nn.Module):
    """The smallest useful model: y = x W^T + b on a 1x4 float input."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.layer = torch.nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer(x)  # type: ignore[no-any-return]


class RealClientProcess:
    """The real SmartRedis 0.6.1 client timing its own calls in the compatibility venv."""

    def __init__(self, python: Path, address: str, cpus: set[int] | None) -> None:
        env = {"PATH": "/usr/bin:/bin", "SR_LOG_LEVEL": "quiet", "SR_LOG_FILE": "/dev/null"}
        env["SR_DB_TYPE"] = "Standalone"
        preexec = (lambda: os.sched_setaffinity(0, cpus)) if cpus else None
        self.process = subprocess.Popen(
            [str(python), "-c", REAL_CLIENT_LOOP, address, MODEL],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            preexec_fn=preexec,
        )
        if self._line() != "ready":
            raise RuntimeError("the real SmartRedis client did not start")

    def _line(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the real SmartRedis client exited with {self.process.wait()}")
        return line.strip()

    def block(self, calls: int) -> dict[str, list[int]]:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{calls}\n")
        self.process.stdin.flush()
        samples: dict[str, list[int]] = json.loads(self._line())
        return samples

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(30)


def compat_python() -> Path | None:
    """The compatibility venv's python when it was built (``tests/compat/real_client.py``)."""
    venv = Path(os.environ.get("SMARTSIM_COMPAT_VENV") or REPO_ROOT / ".venv-compat")
    python = venv / "bin" / "python"
    return python if python.exists() else None


def timed(call: Callable[[], Any], count: int) -> list[int]:
    samples = []
    for _ in range(count):
        started = time.perf_counter_ns()
        call()
        samples.append(time.perf_counter_ns() - started)
    return samples


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def measure_transport(
    transport: str, server: Any, blob: bytes, args: argparse.Namespace, real_python: Path | None
) -> dict[str, list[int]]:
    """Per-call nanoseconds of every mode over one transport, blocks alternating."""
    address = worker_address(server, transport)
    client = Client(cluster=False, address=address)
    client.set_model(MODEL, blob, "TORCH", "CPU")
    x = np.arange(4, dtype=np.float32).reshape(1, 4)
    client.put_tensor("bench_in", x)
    module = torch.jit.load(io.BytesIO(blob))  # type: ignore[no-untyped-call]
    module.eval()

    def in_process() -> None:
        with torch.no_grad():
            module(torch.from_numpy(x)).numpy()

    def run_only() -> None:
        client.run_model(MODEL, "bench_in", "bench_out")

    def round_trip() -> None:
        client.put_tensor("bench_in", x)
        client.run_model(MODEL, "bench_in", "bench_out")
        client.get_tensor("bench_out")

    ours: dict[str, Callable[[], None]] = {
        "in-process": in_process,
        "run_model": run_only,
        "put+run+get": round_trip,
    }
    if args.lean:
        raw: Any = server.client(transport)
        raw.execute_command("AI.MODELSTORE", LEAN_MODEL, "TORCH", LEAN_DEVICE, "BLOB", blob)
        raw.close()

        def lean_run_only() -> None:
            client.run_model(LEAN_MODEL, "bench_in", "bench_out")

        def lean_round_trip() -> None:
            client.put_tensor("bench_in", x)
            client.run_model(LEAN_MODEL, "bench_in", "bench_out")
            client.get_tensor("bench_out")

        ours["run_model, lean worker"] = lean_run_only
        ours["put+run+get, lean worker"] = lean_round_trip
    samples: dict[str, list[int]] = {name: [] for name in ours}
    real = RealClientProcess(real_python, address, parse_cpus(args.client_cpus)) if real_python else None
    try:
        for call in ours.values():
            timed(call, WARMUP_CALLS)
        if real is not None:
            real.block(WARMUP_CALLS)
        for _ in range(args.reps):
            for name, call in ours.items():
                samples[name] += timed(call, args.calls)
            if real is not None:
                for name, values in real.block(args.calls).items():
                    samples.setdefault(f"SmartRedis {name}", []).extend(values)
    finally:
        if real is not None:
            real.close()
        client.delete_model(MODEL)
    return samples


def summarize(samples: dict[str, list[int]]) -> dict[str, dict[str, float]]:
    """Median latency, and median / p90 overhead over the in-process median, in µs."""
    base = statistics.median(samples["in-process"]) / 1e3
    summary = {}
    for name, values in samples.items():
        micros = [v / 1e3 for v in values]
        summary[name] = {
            "median_us": statistics.median(micros),
            "p90_us": percentile(micros, 0.9),
            "overhead_median_us": statistics.median(micros) - base,
            "overhead_p90_us": percentile(micros, 0.9) - base,
        }
    return summary


@contextlib.contextmanager
def serving(server: BenchServer, transport: str, args: argparse.Namespace) -> Iterator[None]:
    """The real workers and, with ``--lean``, the lean stand-in on LEAN_DEVICE beside them."""
    cpus = parse_cpus(args.worker_cpus)
    with running_workers(server, transport, cpus=cpus):
        if not args.lean:
            yield
            return
        process = multiprocessing.get_context("spawn").Process(
            target=lean_torch_worker,
            args=(worker_address(server, transport), cpus, args.pipelined, LEAN_DEVICE),
            daemon=True,
        )
        process.start()
        probe: Any = server.client("tcp")
        try:
            deadline = time.monotonic() + 60
            while len(probe.execute_command("AI._WORKER.LIST")) < 2:
                if not process.is_alive() or time.monotonic() > deadline:
                    raise RuntimeError("the lean worker did not register")
                time.sleep(0.01)
            yield
        finally:
            process.terminate()
            process.join(10)
            probe.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--calls", type=int, default=1000, help="calls per block, default 1000")
    parser.add_argument("--reps", type=int, default=5, help="blocks per mode, default 5")
    parser.add_argument("--transport", choices=[*TRANSPORTS, "both"], default="both")
    parser.add_argument("--no-real-client", action="store_true", help="skip the SmartRedis 0.6.1 columns")
    parser.add_argument(
        "--lean", action="store_true", help="add rows served by _lean_workers.lean_torch_worker (what-if)"
    )
    parser.add_argument(
        "--pipelined",
        action="store_true",
        help="with --lean: the stand-in sends each DONE with its next NEXT",
    )
    parser.add_argument("--server-cpus", help="pin the server, e.g. 0")
    parser.add_argument("--client-cpus", help="pin this process (and the real client), e.g. 1")
    parser.add_argument("--worker-cpus", help="pin the worker processes, e.g. 1")
    parser.add_argument("--json", metavar="PATH", help="also write the summary as JSON")
    args = parser.parse_args()

    torch.set_num_threads(1)  # as the worker (--intra-op-threads 1)
    client_cpus = parse_cpus(args.client_cpus)
    if client_cpus:
        os.sched_setaffinity(0, client_cpus)
    real_python = None if args.no_real_client else compat_python()
    if real_python is None and not args.no_real_client:
        print("(no .venv-compat: the SmartRedis 0.6.1 columns are skipped; the compat tests build it)")
    transports = TRANSPORTS if args.transport == "both" else (args.transport,)
    blob = torchscript_blob(Linear4())
    results: dict[str, dict[str, dict[str, float]]] = {}
    with running_server(server_cpus=parse_cpus(args.server_cpus)) as server:
        for transport in transports:
            with serving(server, transport, args):
                results[transport] = summarize(measure_transport(transport, server, blob, args, real_python))
            print_table(transport, results[transport])
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"calls": args.calls, "reps": args.reps, "results": results}, out, indent=2)
    return 0


def print_table(transport: str, summary: dict[str, dict[str, float]]) -> None:
    print(f"\n{transport}: latency and overhead over the in-process call, µs")
    print(f"{'mode':<26}{'median':>9}{'p90':>9}{'overhead':>10}{'ovh p90':>9}")
    for name, row in summary.items():
        overhead = "" if name == "in-process" else f"{row['overhead_median_us']:>10.1f}"
        overhead_p90 = "" if name == "in-process" else f"{row['overhead_p90_us']:>9.1f}"
        print(f"{name:<26}{row['median_us']:>9.1f}{row['p90_us']:>9.1f}{overhead:>10}{overhead_p90:>9}")
    verdict = "met" if summary["run_model"]["overhead_median_us"] <= 150 else "NOT met"
    print(f"goal run_model median overhead <= 150 µs: {verdict}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
