"""Latency of one AI.MODELEXECUTE through a worker, against PING, over TCP and a Unix socket.

Goal: an execution of a tiny model costs a small, fixed multiple of PING: client -> server ->
worker -> server -> client is about four hops (measured on the feasibility probe: ~5x PING with
everything on one CPU). The worker here is a stub that speaks the module's private worker
protocol (AI._WORKER.HELLO / NEXT / DONE) and echoes its input, so the number is the module's and
the transport's share, without any ML backend.

    python benchmarks/bench_exec_roundtrip.py
    python benchmarks/bench_exec_roundtrip.py --calls 2000 --reps 7 --server-cpus 0 --client-cpus 0

When the module has no AI.MODELEXECUTE (or no worker protocol) yet, the benchmark says so and
exits 0. Pinning everything on one CPU (--server-cpus 0 --client-cpus 0) gives the steadiest
numbers on small VMs, where a cross-CPU wake-up costs tens of microseconds.
"""

from __future__ import annotations

import argparse
import functools
import json
import multiprocessing
import os
import statistics
import sys
import time
from typing import Any

import numpy as np
import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _server import TRANSPORTS, BenchServer, parse_cpus, running_server

WORKER_COMMANDS = ("AI.MODELEXECUTE", "AI._WORKER.HELLO", "AI._WORKER.NEXT", "AI._WORKER.DONE")
MAX_WORKER_RUNS = 10_000_000  # bound of the stub worker's loop


def missing_commands(client: Any) -> list[str]:
    """The commands the server does not know (each is sent without arguments: an arity error)."""
    missing = []
    for name in WORKER_COMMANDS:
        try:
            command(client, name)
        except redis.exceptions.ResponseError as err:
            if "unknown command" in str(err).lower():
                missing.append(name)
    return missing


def command(client: redis.Redis, *args: Any) -> Any:
    """One command (redis-py's ``execute_command`` is untyped)."""
    return client.execute_command(*args)  # type: ignore[no-untyped-call]


def echo_worker(server: BenchServer, transport: str, cpus: set[int] | None) -> None:
    """Serve every run by echoing the first input as each output, until the server goes away."""
    if cpus:
        os.sched_setaffinity(0, cpus)
    client = server.client(transport)
    command(client, "AI._WORKER.HELLO", "CPU", "TORCH")
    for _ in range(MAX_WORKER_RUNS):
        try:
            run = command(client, "AI._WORKER.NEXT", 1000)
        except Exception:  # the server stopped: the benchmark is over
            return
        if not run:
            continue
        fields = dict(zip(run[0::2], run[1::2], strict=True))
        done: list[Any] = ["AI._WORKER.DONE", fields[b"run"], "OK", 0]
        for request in fields[b"requests"]:
            job = dict(zip(request[0::2], request[1::2], strict=True))
            dtype, dims, blob = job[b"inputs"][0]
            done.append(job[b"noutputs"])
            for _ in range(job[b"noutputs"]):
                done += [dtype, len(dims), *dims, blob]
        command(client, *done)


def wait_for_worker(client: Any, worker: Any) -> None:
    deadline = time.monotonic() + 30
    while not command(client, "AI._WORKER.LIST"):
        if not worker.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the stub worker did not register (AI._WORKER.LIST stayed empty)")
        time.sleep(0.01)


def latency_us(call: Any, count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        call()
    return (time.perf_counter() - start) / count * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--calls", type=int, default=1000, help="executions per repetition")
    parser.add_argument("--reps", type=int, default=5, help="repetitions (median), default 5")
    parser.add_argument("--transport", choices=[*TRANSPORTS, "both"], default="both")
    parser.add_argument("--server-cpus", help="pin the server, e.g. 0")
    parser.add_argument("--client-cpus", help="pin this process and the worker, e.g. 0 or 1")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args()

    client_cpus = parse_cpus(args.client_cpus)
    if client_cpus:
        os.sched_setaffinity(0, client_cpus)
    transports = TRANSPORTS if args.transport == "both" else (args.transport,)
    rows: list[dict[str, Any]] = []
    with running_server(server_cpus=parse_cpus(args.server_cpus)) as server:
        probe = server.client("tcp")
        missing = missing_commands(probe)
        if missing:
            print(f"SKIPPED: the AI module does not implement {', '.join(missing)} yet; nothing to measure.")
            return 0
        command(probe, "AI.MODELSTORE", "bench_model", "TORCH", "CPU", "BLOB", b"stub")
        command(probe, "AI.TENSORSET", "bench_in", "FLOAT", 1, 4, "BLOB", np.ones(4, np.float32).tobytes())
        for transport in transports:
            worker = multiprocessing.get_context("spawn").Process(
                target=echo_worker, args=(server, transport, client_cpus), daemon=True
            )
            worker.start()
            client = server.client(transport)
            execute = ("AI.MODELEXECUTE", "bench_model", "INPUTS", 1, "bench_in", "OUTPUTS", 1, "bench_out")
            wait_for_worker(client, worker)
            for _ in range(100):  # warm up
                command(client, *execute)
            ping, run = [], []
            for _ in range(args.reps):
                ping.append(latency_us(client.ping, 3 * args.calls))
                run.append(latency_us(functools.partial(command, client, *execute), args.calls))
            row: dict[str, Any] = {
                "transport": transport,
                "ping_us": statistics.median(ping),
                "exec_us": statistics.median(run),
            }
            row["ratio"] = row["exec_us"] / row["ping_us"]
            rows.append(row)
            if len(rows) == 1:
                print(f"{'transport':<9} {'PING µs':>9} {'EXECUTE µs':>11} {'ratio':>6}   (medians)")
            print(
                f"{transport:<9} {row['ping_us']:>9.1f} {row['exec_us']:>11.1f} {row['ratio']:>6.2f}",
                flush=True,
            )
            client.close()
            worker.terminate()
            worker.join(10)
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"rows": rows, "calls": args.calls, "reps": args.reps}, out, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
