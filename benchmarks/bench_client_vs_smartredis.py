"""Our ``smartredis`` client against the real SmartRedis 0.6.1 Python client, same server, same run.

For each tensor size (1 KiB to 64 MiB): put_tensor and get_tensor throughput (MB/s) and rate
(ops/s) of both clients, then datasets (put/get of a 4-tensor dataset with metadata) and
aggregation lists (append, then get_datasets_from_list of 16 datasets). The real client runs
in its own virtual environment (built on first use, as the compatibility tests do) as a
subprocess that times itself; both clients time the same loop. Prints a table of ratios
(ours / theirs, higher is better) and writes a plot as SVG.

With ``--cluster`` both clients run against a 3-shard Redis Cluster (formed as the cluster tests
form it, ``tests/cluster_support.py``), seeded with one shard's address; the tensors and datasets
then live on different shards and the list read fans out to all of them.

Goal: at least 1.0x the real client for every size from 64 KiB, at least 0.8x at 1 KiB.

Usage: ``python benchmarks/bench_client_vs_smartredis.py [--cluster] [--reps 5] [--rounds 3]
[--svg client.svg] [--json out.json]``
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _server import running_server

from cluster_support import RunningCluster
from compat.real_client import ensure_compat_venv

SIZES = [1 << 10, 1 << 14, 1 << 16, 1 << 18, 1 << 20, 1 << 22, 1 << 24, 1 << 26]

# The timing loop, executed by both clients (ours in process, theirs in the compat venv).
TIMER = r"""
import json, statistics, sys, time
import numpy as np
from smartredis import Client, Dataset

def batch_for(size):
    return max(1, min(200, (8 << 20) // size))

def timed(fn, count, reps):
    samples = []
    for _ in range(reps):
        started = time.perf_counter()
        for i in range(count):
            fn(i)
        samples.append((time.perf_counter() - started) / count)
    return statistics.median(samples)

def run(address, sizes, reps, cluster):
    client = Client(cluster=cluster, address=address)
    results = {}
    client.put_tensor("small", np.ones(4))
    results["tensor_exists"] = timed(lambda i: client.tensor_exists("small"), 200, reps)
    for size in sizes:
        array = np.random.default_rng(size).random(size // 8)
        count = batch_for(size)
        client.put_tensor("bench", array)
        results[f"put_tensor:{size}"] = timed(lambda i: client.put_tensor("bench", array), count, reps)
        results[f"get_tensor:{size}"] = timed(lambda i: client.get_tensor("bench"), count, reps)
    dataset = Dataset("ds")
    for name in ("a", "b", "c", "d"):
        dataset.add_tensor(name, np.ones((64, 64)))
    dataset.add_meta_scalar("step", 7)
    dataset.add_meta_string("units", "m/s")
    results["put_dataset"] = timed(lambda i: client.put_dataset(dataset), 50, reps)
    results["get_dataset"] = timed(lambda i: client.get_dataset("ds"), 50, reps)
    client.delete_list("L")
    for index in range(16):
        member = Dataset(f"m{index}")
        member.add_tensor("x", np.ones(256))
        client.put_dataset(member)
    results["append_to_list"] = timed(lambda i: client.append_to_list("L2", dataset), 100, reps)
    for index in range(16):
        member = Dataset(f"m{index}")
        client.append_to_list("L", member)
    results["get_datasets_from_list(16)"] = timed(lambda i: client.get_datasets_from_list("L"), 10, reps)
    return results

if __name__ == "__main__":
    address, sizes, reps = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
    print(json.dumps(run(address, sizes, reps, sys.argv[4] == "cluster")))
"""


def _ours(address: str, sizes: list[int], reps: int, cluster: bool) -> dict[str, float]:
    namespace: dict[str, Any] = {"__name__": "bench_timer"}
    exec(compile(TIMER, "bench_timer", "exec"), namespace)  # the same loop text as theirs
    run: Callable[[str, list[int], int, bool], dict[str, float]] = namespace["run"]
    return run(address, sizes, reps, cluster)


def _theirs(python: Path, address: str, sizes: list[int], reps: int, cluster: bool) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as script:
        script.write(TIMER)
    completed = subprocess.run(
        [
            str(python),
            script.name,
            address,
            json.dumps(sizes),
            str(reps),
            "cluster" if cluster else "standalone",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={
            "PATH": "/usr/bin:/bin",
            "SR_LOG_LEVEL": "quiet",
            "SR_LOG_FILE": "/dev/null",
            "SR_DB_TYPE": "Clustered" if cluster else "Standalone",
        },
    )
    Path(script.name).unlink()
    result: dict[str, float] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def _svg(sizes: list[int], ratios: dict[str, list[float]], path: Path) -> None:
    """A small line plot of ours/theirs per size (log2 x axis), written without plotting libraries."""
    width, height, margin = 640, 360, 50
    top = max(2.0, max(max(values) for values in ratios.values()) * 1.1)

    def x(index: int) -> float:
        return margin + index * (width - 2 * margin) / max(1, len(sizes) - 1)

    def y(value: float) -> float:
        return height - margin - value / top * (height - 2 * margin)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-size="11">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="{width / 2}" y="20" text-anchor="middle">'
        "ours / SmartRedis 0.6.1 (higher is better)</text>",
        f'<line x1="{margin}" y1="{y(1)}" x2="{width - margin}" y2="{y(1)}" '
        'stroke="gray" stroke-dasharray="4"/>',
    ]
    for index, size in enumerate(sizes):
        label = f"{size >> 20}M" if size >= 1 << 20 else f"{size >> 10}K"
        parts.append(f'<text x="{x(index)}" y="{height - margin + 15}" text-anchor="middle">{label}</text>')
    for tick in (0.5, 1.0, 1.5, 2.0, 3.0, 4.0):
        if tick <= top:
            parts.append(f'<text x="{margin - 8}" y="{y(tick) + 4}" text-anchor="end">{tick:g}x</text>')
    for (name, values), colour in zip(ratios.items(), ("#1f77b4", "#d62728"), strict=False):
        points = " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(values))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        parts.append(
            f'<text x="{width - margin}" y="{y(values[-1]) - 6}" fill="{colour}" '
            f'text-anchor="end">{name}</text>'
        )
    parts.append("</svg>")
    path.write_text("\n".join(parts))


@contextlib.contextmanager
def _database(cluster: bool) -> Iterator[str]:
    """The address both clients are given: a standalone server, or one shard of a cluster."""
    if not cluster:
        with running_server() as server:
            yield f"{server.host}:{server.port}"
        return
    with tempfile.TemporaryDirectory(prefix="smartsim-bench-cluster-") as workdir:
        shards = RunningCluster(Path(workdir))
        try:
            yield shards.addresses[1]
        finally:
            shards.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs of both clients")
    parser.add_argument("--cluster", action="store_true", help="compare on a 3-shard cluster")
    parser.add_argument("--max-size", type=int, default=SIZES[-1])
    parser.add_argument("--svg", type=Path, default=Path("client_vs_smartredis.svg"))
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    sizes = [size for size in SIZES if size <= args.max_size]
    python = ensure_compat_venv()
    with _database(args.cluster) as address:
        # Rounds alternate the two clients and keep each one's fastest time per operation, so a
        # burst of load from other processes on the machine does not decide a ratio.
        theirs: dict[str, float] = {}
        ours: dict[str, float] = {}
        for _ in range(args.rounds):
            for best, measured in (
                (theirs, _theirs(python, address, sizes, args.reps, args.cluster)),
                (ours, _ours(address, sizes, args.reps, args.cluster)),
            ):
                for name, seconds in measured.items():
                    best[name] = min(seconds, best.get(name, seconds))
    print("3-shard cluster" if args.cluster else "standalone")
    print(f"{'operation':<28}{'ours':>14}{'SmartRedis':>14}{'ratio':>8}")
    ratios: dict[str, list[float]] = {"put_tensor": [], "get_tensor": []}
    for name in theirs:
        ratio = theirs[name] / ours[name]
        if ":" in name:
            op, size = name.split(":")
            ratios[op].append(ratio)
            label = f"{op} {int(size) >> 10} KiB"
            rate = f"{int(size) / ours[name] / 1e6:9.0f} MB/s", f"{int(size) / theirs[name] / 1e6:9.0f} MB/s"
        else:
            label = name
            rate = f"{1 / ours[name]:8.0f} op/s", f"{1 / theirs[name]:8.0f} op/s"
        print(f"{label:<28}{rate[0]:>14}{rate[1]:>14}{ratio:>7.2f}x")
    _svg(sizes, ratios, args.svg)
    print(f"plot: {args.svg}")
    if args.json:
        args.json.write_text(json.dumps({"ours_s": ours, "smartredis_s": theirs}, indent=2))


if __name__ == "__main__":
    main()
