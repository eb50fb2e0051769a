"""Where the time of one ``run_model`` goes: a stage-by-stage breakdown on one server.

Companion of ``bench_run_model_overhead.py`` (same 1x4 linear TorchScript model). Every line is
the median latency of one call, measured in this process, per transport:

1. ``PING`` through our client's connection: one client <-> server round trip;
2. ``AI.TENSORGET META`` of the input: a module command that touches no worker;
3. ``AI.MODELEXECUTE`` served by a stub worker (``bench_exec_roundtrip.echo_worker``: NEXT,
   echo the input, DONE): the module queue, the worker hops and redis-py on the worker side;
4. the same with the real worker (``python -m smartsim.server.worker``);
5. ``Client.run_model`` with the real worker: 4 plus our client's own work.

Then the worker's steps in process, on a NEXT reply captured from the module: ``parse_run``,
the TorchScript call (``TorchModel.run``), ``encode_outputs``, and redis-py packing the DONE
command; and the worker-side duration the module records (``AI.INFO`` duration / calls).

    python benchmarks/profile_run_model_stages.py [--calls 1000] [--reps 5] [--transport unix]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _cpu import cpu_ns_and_slices
from _lean_workers import lean_echo_worker, lean_torch_worker, real_steps_worker
from _server import TRANSPORTS, BenchServer, running_server
from _workers import running_workers, torchscript_blob, worker_address
from bench_exec_roundtrip import echo_worker, wait_for_worker
from bench_run_model_overhead import MODEL, Linear4

from smartredis import Client, _transport
from smartsim.server.worker.backends.torch_backend import TorchModel
from smartsim.server.worker.protocol import encode_outputs, parse_run


@dataclass
class Stage:
    """Median wall latency and, per process, CPU time and wake-ups per call."""

    wall_us: float
    cpu_us: dict[str, float]
    wakeups: dict[str, float]


def measure(call: Callable[[], Any], pids: dict[str, int], calls: int, reps: int) -> Stage:
    """Median over ``reps`` blocks of the mean latency of ``calls`` calls, and CPU use per call."""
    for _ in range(min(calls, 200)):
        call()
    before = {name: cpu_ns_and_slices(pid) for name, pid in pids.items()}
    blocks = []
    for _ in range(reps):
        started = time.perf_counter()
        for _ in range(calls):
            call()
        blocks.append((time.perf_counter() - started) / calls * 1e6)
    after = {name: cpu_ns_and_slices(pid) for name, pid in pids.items()}
    total = calls * reps
    return Stage(
        statistics.median(blocks),
        {name: (after[name][0] - before[name][0]) / total / 1e3 for name in pids},
        {name: (after[name][1] - before[name][1]) / total for name in pids},
    )


def median_us(call: Callable[[], Any], calls: int, reps: int) -> float:
    return measure(call, {}, calls, reps).wall_us


def capture_next_reply(server: BenchServer, transport: str) -> Any:
    """One real NEXT reply for MODEL: a stub connection registers, a caller queues a job."""
    worker: Any = server.client(transport)
    worker.execute_command("AI._WORKER.HELLO", "CPU", "TORCH")
    caller: Any = redis.Connection(host=server.host, port=server.port, protocol=2)  # type: ignore[no-untyped-call]
    caller.send_command("AI.MODELEXECUTE", MODEL, "INPUTS", 1, "bench_in", "OUTPUTS", 1, "bench_out")
    reply = None
    while not reply:
        reply = worker.execute_command("AI._WORKER.NEXT", 1000)
    fields = dict(zip(reply[0::2], reply[1::2], strict=True))
    worker.execute_command("AI._WORKER.DONE", fields[b"run"], "ERR", 0, "ERR captured for profiling")
    try:
        caller.read_response()
    except redis.exceptions.ResponseError:
        pass
    caller.disconnect()
    worker.close()
    return reply


def worker_steps(reply: Any, blob: bytes, calls: int, reps: int) -> dict[str, float]:
    model = TorchModel(blob, "CPU")
    run = parse_run(reply)
    outputs: list[Any] = model.run(run.requests)
    payload = encode_outputs(outputs)
    # Only its command packer is used: no connection is made.
    packer: Any = redis.Connection()  # type: ignore[no-untyped-call]
    return {
        "worker: parse_run": median_us(lambda: parse_run(reply), calls, reps),
        "worker: TorchModel.run": median_us(lambda: model.run(run.requests), calls, reps),
        "worker: encode_outputs": median_us(lambda: encode_outputs(outputs), calls, reps),
        "worker: pack DONE": median_us(
            lambda: packer.pack_command("AI._WORKER.DONE", run.run, "OK", 10, *payload), calls, reps
        ),
    }


def module_duration_us(client: Any) -> float:
    info = client.execute_command("AI.INFO", MODEL)
    fields = dict(zip(info[0::2], info[1::2], strict=True))
    return float(fields[b"duration"]) / max(1, int(fields[b"calls"]))


def profile(
    server: BenchServer, transport: str, blob: bytes, args: argparse.Namespace
) -> tuple[dict[str, Stage], dict[str, float]]:
    ours = Client(cluster=False, address=worker_address(server, transport))
    raw: Any = server.client(transport)  # redis-py, untyped
    x = np.arange(4, dtype=np.float32).reshape(1, 4)
    ours.set_model(MODEL, blob, "TORCH", "CPU")
    ours.put_tensor("bench_in", x)
    execute = ("AI.MODELEXECUTE", MODEL, "INPUTS", 1, "bench_in", "OUTPUTS", 1, "bench_out")
    stages: dict[str, Stage] = {}
    calls, reps = args.calls, args.reps
    pids = {"client": os.getpid(), "server": server.pid}
    stages["PING (our client)"] = measure(lambda: _transport.run(ours._conn, "PING"), pids, calls, reps)
    stages["AI.TENSORGET META"] = measure(
        lambda: _transport.run(ours._conn, "AI.TENSORGET", "bench_in", "META"), pids, calls, reps
    )
    stub = multiprocessing.get_context("spawn").Process(
        target=echo_worker, args=(server, transport, None), daemon=True
    )
    stub.start()
    wait_for_worker(raw, stub)
    assert stub.pid is not None
    stages["MODELEXECUTE, stub worker"] = measure(
        lambda: raw.execute_command(*execute), {**pids, "worker": stub.pid}, calls, reps
    )
    stub.terminate()
    stub.join(10)
    while raw.execute_command("AI._WORKER.LIST"):
        time.sleep(0.01)  # the stub's connection closes asynchronously
    lean_workers: tuple[tuple[str, Callable[..., None], bool], ...] = (
        ("lean stub", lean_echo_worker, False),
        ("lean torch", lean_torch_worker, False),
        ("lean torch DONE+NEXT", lean_torch_worker, True),
        ("lean stub DONE+NEXT", lean_echo_worker, True),
        ("real steps, lean conn.", real_steps_worker, False),
    )
    for label, target, pipelined in lean_workers:
        lean = multiprocessing.get_context("spawn").Process(
            target=target, args=(worker_address(server, transport), None, pipelined), daemon=True
        )
        lean.start()
        wait_for_worker(raw, lean)
        assert lean.pid is not None
        stages[f"MODELEXECUTE, {label} worker"] = measure(
            lambda: raw.execute_command(*execute), {**pids, "worker": lean.pid}, calls, reps
        )
        lean.terminate()
        lean.join(10)
        while raw.execute_command("AI._WORKER.LIST"):
            time.sleep(0.01)
    reply = capture_next_reply(server, transport)
    other: dict[str, float] = {}
    with running_workers(server, transport) as pool:
        worker_pids = {**pids, "worker": pool.worker_pids()[0]}
        raw.execute_command("AI.INFO", MODEL, "RESETSTAT")
        stages["MODELEXECUTE, real worker"] = measure(
            lambda: raw.execute_command(*execute), worker_pids, calls, reps
        )
        stages["Client.run_model, real worker"] = measure(
            lambda: ours.run_model(MODEL, "bench_in", "bench_out"), worker_pids, calls, reps
        )
        other["module: worker-side duration/call"] = module_duration_us(raw)
    other.update(worker_steps(reply, blob, calls, reps))
    ours.delete_model(MODEL)
    return stages, other


PROCESSES = ("client", "server", "worker")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--transport", choices=[*TRANSPORTS, "both"], default="both")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    blob = torchscript_blob(Linear4())
    transports = TRANSPORTS if args.transport == "both" else (args.transport,)
    with running_server() as server:
        for transport in transports:
            stages, other = profile(server, transport, blob, args)
            print(f"\n{transport}: µs per call (wall: median; CPU µs and times on a CPU: mean per call)")
            print(f"  {'stage':<42}{'wall':>8}{'client':>8}{'server':>8}{'worker':>8}  on CPU c/s/w")
            for name, stage in stages.items():
                cpu = [f"{stage.cpu_us[p]:>8.1f}" if p in stage.cpu_us else f"{'':>8}" for p in PROCESSES]
                wakeups = "/".join(f"{stage.wakeups[p]:.1f}" for p in PROCESSES if p in stage.wakeups)
                print(f"  {name:<42}{stage.wall_us:>8.1f}{''.join(cpu)}  {wakeups}")
            for name, value in other.items():
                print(f"  {name:<46}{value:>8.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
