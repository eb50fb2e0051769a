"""Lean stand-ins for the inference worker, to measure what its protocol client costs.

These are measuring instruments, not workers to deploy: they serve one known model and skip
validation. Both speak the module's worker protocol over a bare socket (RESP packed by hand,
replies parsed by hiredis) and read the NEXT reply by position (``docs/worker-protocol.md``
fixes the layout), where the real worker uses redis-py and builds dataclasses from field names.

- ``lean_echo_worker``: echoes the input as every output (compare with
  ``bench_exec_roundtrip.echo_worker``, the same loop over redis-py);
- ``lean_torch_worker``: runs the TorchScript model on the input (compare with the real worker);
  with ``pipelined=True`` it sends each DONE together with the next NEXT;
- ``real_steps_worker``: the real worker's parsing, model call and encoding over the lean
  connection (compare with the real worker: the difference is its redis-py connection).
"""

from __future__ import annotations

import io
import os
import socket
from collections.abc import Callable
from typing import Any

import hiredis
import numpy as np

_DTYPES = {b"FLOAT": np.float32, b"DOUBLE": np.float64, b"INT64": np.int64, b"INT32": np.int32}
_NEXT = b"*2\r\n$15\r\nAI._WORKER.NEXT\r\n$4\r\n1000\r\n"


def pack(*args: Any) -> bytes:
    """One RESP command (arguments as bytes, str or int)."""
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


class LeanWorkerConnection:
    """A blocking connection to ``unix:///path`` or ``host:port`` (as ``_workers.worker_address``)."""

    def __init__(self, address: str) -> None:
        if address.startswith("unix://"):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.connect(address[len("unix://") :])
        else:
            host, _, port = address.rpartition(":")
            self.sock = socket.create_connection((host, int(port)))
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = hiredis.Reader()

    def call(self, command: bytes) -> Any:
        self.sock.sendall(command)
        return self.read()

    def read(self) -> Any:
        reply = self.reader.gets()
        while reply is False:
            data = self.sock.recv(1 << 16)
            if not data:
                raise ConnectionError("the server closed the connection")
            self.reader.feed(data)
            reply = self.reader.gets()
        return reply


def serve(
    address: str,
    run: Callable[[LeanWorkerConnection, list[Any]], bytes],
    cpus: set[int] | None,
    pipelined: bool = False,
    device: str = "CPU",
) -> None:
    """Register, then answer every NEXT reply with the DONE command ``run`` builds.

    ``pipelined``: send each DONE and the following NEXT in one write (two replies to read),
    saving one worker <-> server round trip per run.
    """
    if cpus:
        os.sched_setaffinity(0, cpus)
    connection = LeanWorkerConnection(address)
    connection.call(pack("AI._WORKER.HELLO", device, "TORCH"))
    try:
        reply = connection.call(_NEXT)
        while True:
            if reply is None:
                reply = connection.call(_NEXT)
            elif pipelined:
                connection.call(run(connection, reply) + _NEXT)  # the DONE reply
                reply = connection.read()
            else:
                connection.call(run(connection, reply))
                reply = connection.call(_NEXT)
    except (ConnectionError, OSError):  # the server stopped: the benchmark is over
        return


def _echo(connection: LeanWorkerConnection, reply: list[Any]) -> bytes:
    done: list[Any] = ["AI._WORKER.DONE", reply[1], "OK", 0]
    for request in reply[17]:
        dtype, dims, blob = request[9][0]
        done.append(request[7])
        for _ in range(request[7]):
            done += [dtype, len(dims), *dims, blob]
    return pack(*done)


def lean_echo_worker(
    address: str, cpus: set[int] | None = None, pipelined: bool = False, device: str = "CPU"
) -> None:
    serve(address, _echo, cpus, pipelined, device)


def lean_torch_worker(
    address: str, cpus: set[int] | None = None, pipelined: bool = False, device: str = "CPU"
) -> None:
    """Serve a one-input, one-output TorchScript model, one request per run (no batching)."""
    import torch

    torch.set_num_threads(1)
    models: dict[tuple[bytes, int], Any] = {}

    def run(connection: LeanWorkerConnection, reply: list[Any]) -> bytes:
        key = (reply[5], reply[7])
        module = models.get(key)
        if module is None:
            blob = connection.call(pack("AI._WORKER.MODEL", reply[1]))
            module = models[key] = torch.jit.load(io.BytesIO(blob))  # type: ignore[no-untyped-call]
        dtype, dims, data = reply[17][0][9][0]
        array = np.frombuffer(data, _DTYPES[dtype]).reshape(dims).copy()  # writable for torch
        with torch.no_grad():
            out = module(torch.from_numpy(array)).numpy()
        # The output has the input's dtype: true of the float models this serves.
        return pack("AI._WORKER.DONE", reply[1], "OK", 0, 1, dtype, out.ndim, *out.shape, out.tobytes())

    serve(address, run, cpus, pipelined, device)


def real_steps_worker(
    address: str, cpus: set[int] | None = None, pipelined: bool = False, device: str = "CPU"
) -> None:
    """The real worker's steps (``parse_run``, ``TorchModel``, ``encode_outputs``) over the lean
    connection: tells the cost of the worker's redis-py connection from the cost of its steps."""
    import torch

    from smartsim.server.worker.backends.torch_backend import TorchModel
    from smartsim.server.worker.protocol import encode_outputs, parse_run

    torch.set_num_threads(1)
    models: dict[tuple[str, int], Any] = {}

    def run(connection: LeanWorkerConnection, reply: list[Any]) -> bytes:
        parsed = parse_run(reply)
        model = models.get((parsed.key, parsed.version))
        if model is None:
            blob = connection.call(pack("AI._WORKER.MODEL", parsed.run))
            model = models[(parsed.key, parsed.version)] = TorchModel(blob, parsed.device)
        outputs: list[Any] = model.run(parsed.requests)
        payload = encode_outputs(outputs)
        return pack("AI._WORKER.DONE", parsed.run, "OK", 0, *payload)

    serve(address, run, cpus, pipelined, device)
