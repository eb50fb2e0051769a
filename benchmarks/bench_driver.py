"""Driver overhead, side by side in one run (not a timed test).

1. A 100-member ensemble of a trivial executable through ``Experiment.start(block=True)`` against
   a bare ``subprocess`` fan-out of the same 100 processes (goal: at most 2x).
2. Time from ``exp.start(db)`` to ready for a standalone and a 3-shard Orchestrator.

Usage: ``python benchmarks/bench_driver.py [--members 100] [--repeat 5] [--json out.json]``
Prints medians and the ratio.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from smartsim import Experiment


def bare_fan_out(executable: str, count: int, workdir: Path) -> float:
    started = time.perf_counter()
    processes = []
    for index in range(count):
        out = open(workdir / f"bare_{index}.out", "wb")  # noqa: SIM115  (closed below)
        processes.append((subprocess.Popen([executable], stdout=out, stderr=subprocess.STDOUT), out))
    for process, out in processes:
        process.wait()
        out.close()
    return time.perf_counter() - started


def driver_ensemble(executable: str, count: int, workdir: Path, run: int) -> float:
    exp = Experiment(f"bench{run}", exp_path=str(workdir))
    ensemble = exp.create_ensemble("ens", run_settings=exp.create_run_settings(executable), replicas=count)
    started = time.perf_counter()
    exp.start(ensemble, block=True)
    elapsed = time.perf_counter() - started
    assert all(status.value == "Completed" for status in exp.get_status(ensemble))
    return elapsed


def database_start(shards: int, workdir: Path, run: int) -> tuple[float, float]:
    exp = Experiment(f"db{shards}_{run}", exp_path=str(workdir))
    db = exp.create_database(port=0, db_nodes=shards, db_identifier=f"db{shards}_{run}")
    started = time.perf_counter()
    exp.start(db)
    ready = time.perf_counter() - started
    started = time.perf_counter()
    exp.stop(db)
    return ready, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    executable = shutil.which("true") or "/bin/true"
    results: dict[str, list[float]] = {
        "bare": [],
        "driver": [],
        "db1": [],
        "db3": [],
        "db1_stop": [],
        "db3_stop": [],
    }
    with tempfile.TemporaryDirectory(prefix="smartsim-bench-") as tmp:
        root = Path(tmp)
        for run in range(args.repeat):
            bare_dir = root / f"bare{run}"
            bare_dir.mkdir()
            results["bare"].append(bare_fan_out(executable, args.members, bare_dir))
            results["driver"].append(driver_ensemble(executable, args.members, root, run))
            for shards in (1, 3):
                ready, stop = database_start(shards, root, run)
                results[f"db{shards}"].append(ready)
                results[f"db{shards}_stop"].append(stop)
    medians = {name: statistics.median(values) for name, values in results.items()}
    print(f"{args.members} processes, median of {args.repeat} runs")
    print(f"  bare subprocess fan-out   {medians['bare'] * 1000:9.1f} ms")
    print(f"  Experiment.start(ens)     {medians['driver'] * 1000:9.1f} ms")
    print(f"  ratio driver / bare       {medians['driver'] / medians['bare']:9.2f}x   (goal <= 2x)")
    print("Orchestrator, start() until ready / stop()")
    for shards in (1, 3):
        print(
            f"  {shards} shard(s)               {medians[f'db{shards}'] * 1000:9.1f} ms / "
            f"{medians[f'db{shards}_stop'] * 1000:.1f} ms"
        )
    if args.json:
        args.json.write_text(json.dumps({"medians_s": medians, "runs_s": results}, indent=2))


if __name__ == "__main__":
    main()
