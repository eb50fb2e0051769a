"""Throughput of ``run_model`` from many concurrent clients, with and without server-side batching.

Sixteen client processes (processes, not threads: no shared GIL) each loop ``run_model`` on
their own 1x256 float input for a fixed time, against one MLP (256 -> 1024 -> 1024 -> 256, ReLU;
about 1.6 M weights, so a single-row call is bound by reading the weights and a 16-row call
reuses them). The same TorchScript model is stored under one key per variant:

- ``no batching``: stored without BATCHSIZE: every call is its own run;
- ``BATCHSIZE 16``: the module merges up to 16 queued calls into one run;
- ``BATCHSIZE 16 MINBATCHSIZE 8 TIMEOUT 2``: a run waits for 8 calls, at most 2 ms.

The variants alternate within every repetition; each phase has a warm-up and a measured
window. Printed: runs/s (all clients together, median over repetitions), the median call
latency, the throughput ratio to ``no batching``, and the CPU the worker(s), the server and
the clients used in the window (in cores, from ``/proc/<pid>/task/*/schedstat``), and the
worker's wake-ups per call (about 2 per run: its inverse is a rough mean batch size x 2).

Goal: BATCHSIZE 16 gives at least 3x the throughput of no batching.

Workers: by default one worker process with one intra-op thread (``--workers 1 --threads 1``),
so that the server, the worker and the sixteen clients share the CPUs without oversubscribing
the model's thread pool. The result depends heavily on the number of cores: the clients and the
server use CPU too, and on a 2-core machine they compete with the worker for it. Try
``--workers 2`` to compare with two unbatched workers.

    python benchmarks/bench_batching.py
    python benchmarks/bench_batching.py --clients 16 --duration 5 --reps 3 --workers 2
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import time
from dataclasses import dataclass
from multiprocessing.queues import Queue
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _cpu import cpu_ns, slices
from _server import TRANSPORTS, running_server
from _workers import running_workers, torchscript_blob, worker_address

from smartredis import Client

FEATURES = 256
HIDDEN = 1024


@dataclass(frozen=True)
class Variant:
    label: str
    key: str
    batch_size: int = 0
    min_batch_size: int = 0
    min_batch_timeout: int = 0


VARIANTS = (
    Variant("no batching", "mlp_unbatched"),
    Variant("BATCHSIZE 16", "mlp_batch16", 16),
    Variant("BATCHSIZE 16 MINBATCHSIZE 8 TIMEOUT 2", "mlp_batch16_min8", 16, 8, 2),
)


@dataclass(frozen=True)
class Phase:
    """One measured window: warm up until ``start`` (time.monotonic), count calls until ``end``."""

    key: str
    start: float
    end: float


def mlp_blob() -> bytes:
    import torch  # only the parent needs torch; the client processes import this module too

    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(FEATURES, HIDDEN),
        torch.nn.ReLU(),
        torch.nn.Linear(HIDDEN, HIDDEN),
        torch.nn.ReLU(),
        torch.nn.Linear(HIDDEN, FEATURES),
    )
    return torchscript_blob(model)


def client_loop(index: int, address: str, phases: Queue[Phase | None], results: Queue[Any]) -> None:
    """One client process: for every phase, loop run_model and report (calls, median latency)."""
    client = Client(cluster=False, address=address)
    rng = np.random.default_rng(index)
    in_key, out_key = f"bench_in_{index}", f"bench_out_{index}"
    client.put_tensor(in_key, rng.random((1, FEATURES), dtype=np.float32))
    results.put(("ready", index))
    while (phase := phases.get()) is not None:
        counted, latencies = 0, []
        now = time.monotonic()
        while now < phase.end:
            started = now
            client.run_model(phase.key, in_key, out_key)
            now = time.monotonic()
            if started >= phase.start and now <= phase.end:
                counted += 1
                latencies.append(now - started)
        results.put((counted, statistics.median(latencies) if latencies else float("nan")))


def run_phase(
    key: str,
    args: argparse.Namespace,
    phases: list[Queue[Phase | None]],
    results: Queue[Any],
    pids: dict[str, list[int]],
) -> dict[str, float]:
    """One phase of every client on ``key``: runs/s, median latency, and the CPU (in cores) that
    the worker(s), the server and the clients used in the measured window."""
    start = time.monotonic() + args.warmup
    for queue in phases:
        queue.put(Phase(key, start, start + args.duration))
    time.sleep(max(0.0, start - time.monotonic()))  # the measured window opens at ``start``
    before = {name: cpu_ns(group) for name, group in pids.items()}
    worker_slices = slices(pids["worker"])
    replies = [results.get(timeout=args.warmup + args.duration + 120) for _ in phases]
    after = {name: cpu_ns(group) for name, group in pids.items()}
    worker_slices = slices(pids["worker"]) - worker_slices
    calls = sum(count for count, _ in replies)
    row = {
        "runs_per_s": calls / args.duration,
        "latency_ms": statistics.median(latency for _, latency in replies) * 1e3,
    }
    for name in pids:
        row[f"{name}_cores"] = (after[name] - before[name]) / 1e9 / args.duration
    # A worker is woken about twice per run (NEXT's reply, DONE's reply): fewer wake-ups per call
    # means more calls per run, i.e. larger batches.
    row["worker_wakeups_per_call"] = worker_slices / max(1, calls)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--clients", type=int, default=16, help="client processes, default 16")
    parser.add_argument("--duration", type=float, default=5.0, help="measured seconds per phase, default 5")
    parser.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds per phase, default 1")
    parser.add_argument("--reps", type=int, default=3, help="repetitions (median), default 3")
    parser.add_argument("--workers", type=int, default=1, help="worker processes, default 1")
    parser.add_argument("--threads", type=int, default=1, help="intra-op threads per worker, default 1")
    parser.add_argument("--transport", choices=TRANSPORTS, default="unix")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args()

    blob = mlp_blob()
    context = multiprocessing.get_context("spawn")
    samples: dict[str, list[dict[str, float]]] = {variant.label: [] for variant in VARIANTS}
    with running_server() as server:
        address = worker_address(server, args.transport)
        setup = Client(cluster=False, address=address)
        for variant in VARIANTS:
            setup.set_model(
                variant.key,
                blob,
                "TORCH",
                "CPU",
                batch_size=variant.batch_size,
                min_batch_size=variant.min_batch_size,
                min_batch_timeout=variant.min_batch_timeout,
            )
        with running_workers(server, args.transport, args.workers, args.threads) as pool:
            results: Queue[Any] = context.Queue()
            phases: list[Queue[Phase | None]] = [context.Queue() for _ in range(args.clients)]
            clients = [
                context.Process(target=client_loop, args=(i, address, phases[i], results), daemon=True)
                for i in range(args.clients)
            ]
            for process in clients:
                process.start()
            try:
                for _ in range(args.clients):
                    results.get(timeout=120)
                pids = {
                    "worker": pool.worker_pids(),
                    "server": [server.pid],
                    "clients": [p.pid for p in clients if p.pid is not None],
                }
                for _ in range(args.reps):
                    for variant in VARIANTS:
                        samples[variant.label].append(run_phase(variant.key, args, phases, results, pids))
            finally:
                for queue in phases:
                    queue.put(None)
                for process in clients:
                    process.join(30)
    print_table(samples, args)
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"args": vars(args), "samples": samples}, out, indent=2)
    return 0


def print_table(samples: dict[str, list[dict[str, float]]], args: argparse.Namespace) -> None:
    print(
        f"{args.clients} client processes, {args.workers} worker(s) x {args.threads} thread(s), "
        f"{args.transport}, {os.cpu_count()} CPUs; medians of {args.reps} x {args.duration:g} s"
    )
    print(
        f"{'variant':<40}{'runs/s':>10}{'latency ms':>12}{'ratio':>8}"
        "   CPU cores: worker server clients   worker wake-ups/call"
    )
    base = statistics.median(s["runs_per_s"] for s in samples[VARIANTS[0].label])
    for label, rows in samples.items():
        rate = statistics.median(r["runs_per_s"] for r in rows)
        latency = statistics.median(r["latency_ms"] for r in rows)
        cores = [
            statistics.median(r[f"{name}_cores"] for r in rows) for name in ("worker", "server", "clients")
        ]
        wakeups = statistics.median(r["worker_wakeups_per_call"] for r in rows)
        print(
            f"{label:<40}{rate:>10.0f}{latency:>12.2f}{rate / base:>7.2f}x"
            f"   {cores[0]:>17.2f}{cores[1]:>7.2f}{cores[2]:>8.2f}{wakeups:>23.2f}"
        )
    batched = statistics.median(s["runs_per_s"] for s in samples[VARIANTS[1].label])
    verdict = "met" if batched >= 3 * base else "NOT met"
    print(f"goal BATCHSIZE 16 >= 3x no batching: {verdict}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
