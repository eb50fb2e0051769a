"""AI.TENSORSET / AI.TENSORGET against SET / GET of the same bytes, over TCP and a Unix socket.

Goal: a tensor costs what a plain string of the same size costs (ratio 1.0 within noise), i.e.
the module adds no copy and no per-byte work. Both sides use the same redis-py client with the
pass-through command packer (see _server.py), so the client is equally fast for both.

    python benchmarks/bench_tensor_vs_set.py                # 1 KiB .. 64 MiB, TCP and unix
    python benchmarks/bench_tensor_vs_set.py --reps 9 --max-size 16MiB --json out.json
    python benchmarks/bench_tensor_vs_set.py --server-cpus 0 --client-cpus 1

Each cell is the median over --reps repetitions; one repetition times a batch of operations
sized to move about --batch-bytes (at least one operation). MB/s means 10^6 bytes per second.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _server import TRANSPORTS, parse_cpus, running_server

KIB = 1024
DEFAULT_SIZES = [KIB * 4**k for k in range(9)]  # 1 KiB, 4 KiB, ..., 64 MiB


def parse_size(text: str) -> int:
    units = {"kib": KIB, "mib": KIB**2, "gib": KIB**3, "k": KIB, "m": KIB**2, "g": KIB**3}
    lowered = text.strip().lower()
    for suffix, factor in units.items():
        if lowered.endswith(suffix):
            return int(float(lowered[: -len(suffix)]) * factor)
    return int(lowered)


def human(size: int) -> str:
    return f"{size // KIB**2} MiB" if size >= KIB**2 else f"{size // KIB} KiB"


def timed(operation: Callable[[], Any], count: int) -> float:
    """Seconds per operation over count operations."""
    start = time.perf_counter()
    for _ in range(count):
        operation()
    return (time.perf_counter() - start) / count


def bench_size(client: Any, size: int, reps: int, batch_bytes: int) -> dict[str, float]:
    """Median MB/s of the four operations for one payload size."""
    array = np.random.default_rng(size).random(size // 4, dtype=np.float32)
    payload = array.data.cast("B")
    count = max(1, min(2000, batch_bytes // size))
    ops: dict[str, Callable[[], Any]] = {
        "SET": lambda: client.execute_command("SET", "plain", payload),
        "TENSORSET": lambda: client.execute_command(
            "AI.TENSORSET", "tensor", "FLOAT", array.size, "BLOB", payload
        ),
        "GET": lambda: client.execute_command("GET", "plain"),
        "TENSORGET": lambda: client.execute_command("AI.TENSORGET", "tensor", "BLOB"),
    }
    # Warm up (and allocate the values), and check that both sides hold the same bytes.
    for name in ("SET", "TENSORSET"):
        ops[name]()
    assert ops["GET"]() == ops["TENSORGET"]() == payload.tobytes()
    samples: dict[str, list[float]] = {name: [] for name in ops}
    for rep in range(reps):
        # Alternate the order of each pair so that drift favours neither side.
        for pair in (("SET", "TENSORSET"), ("GET", "TENSORGET")):
            for name in pair if rep % 2 == 0 else pair[::-1]:
                samples[name].append(size / timed(ops[name], count) / 1e6)
    client.delete("plain", "tensor")
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--reps", type=int, default=5, help="repetitions per cell (median), default 5")
    parser.add_argument("--min-size", type=parse_size, default=DEFAULT_SIZES[0])
    parser.add_argument("--max-size", type=parse_size, default=DEFAULT_SIZES[-1])
    parser.add_argument("--batch-bytes", type=parse_size, default=64 * KIB**2, help="default 64MiB")
    parser.add_argument("--transport", choices=[*TRANSPORTS, "both"], default="both")
    parser.add_argument("--server-cpus", help="pin the server, e.g. 0 or 0-1")
    parser.add_argument("--client-cpus", help="pin this process, e.g. 1")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args()

    client_cpus = parse_cpus(args.client_cpus)
    if client_cpus:
        os.sched_setaffinity(0, client_cpus)
    sizes = [s for s in DEFAULT_SIZES if args.min_size <= s <= args.max_size]
    transports = TRANSPORTS if args.transport == "both" else (args.transport,)
    rows: list[dict[str, Any]] = []
    with running_server(server_cpus=parse_cpus(args.server_cpus)) as server:
        for transport in transports:
            client = server.client(transport)
            for size in sizes:
                result = bench_size(client, size, args.reps, args.batch_bytes)
                row = {"transport": transport, "size": size, **result}
                row["set_ratio"] = result["TENSORSET"] / result["SET"]
                row["get_ratio"] = result["TENSORGET"] / result["GET"]
                rows.append(row)
                print_row(row, header=len(rows) == 1)
            client.close()
    if args.json:
        meta = {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "reps": args.reps,
            "batch_bytes": args.batch_bytes,
            "unit": "MB/s (10^6 bytes per second), median",
        }
        with open(args.json, "w") as out:
            json.dump({"meta": meta, "rows": rows}, out, indent=2)
    return 0


def print_row(row: dict[str, Any], header: bool) -> None:
    if header:
        print(
            f"{'transport':<9} {'size':>8} | {'SET':>8} {'TENSORSET':>9} {'TS/SET':>6} | "
            f"{'GET':>8} {'TENSORGET':>9} {'TG/GET':>6}   (MB/s, medians)"
        )
    print(
        f"{row['transport']:<9} {human(row['size']):>8} | {row['SET']:>8.0f} {row['TENSORSET']:>9.0f} "
        f"{row['set_ratio']:>6.2f} | {row['GET']:>8.0f} {row['TENSORGET']:>9.0f} {row['get_ratio']:>6.2f}",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
