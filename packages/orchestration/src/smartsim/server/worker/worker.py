"""One worker process: registers with the module and serves runs until stopped."""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass
from types import FrameType
from typing import Any

import numpy as np

from .backends.loading import Threads, build_model, run_model
from .batching import outcomes_per_request
from .cache import LRUCache
from .protocol import (
    Outcome,
    ProtocolError,
    Request,
    Run,
    WorkerConnection,
    WorkerError,
    encode_outputs,
    parse_run,
)
from .script_host import ShardScriptHost
from .shard_connection import ShardConnectionError

log = logging.getLogger("smartsim.server.worker")

NEXT_TIMEOUT_MS = 1000


@dataclass(frozen=True)
class WorkerConfig:
    address: str
    device: str
    backends: list[str]
    intra_op_threads: int = 0
    inter_op_threads: int = 0
    cache_size: int = 64


class Worker:
    def __init__(self, config: WorkerConfig) -> None:
        self.config = config
        self.threads = Threads(config.intra_op_threads, config.inter_op_threads)
        self.cache: LRUCache[Any] = LRUCache(config.cache_size)
        self.stopping = False
        self.connection: WorkerConnection | None = None
        self._script_host: ShardScriptHost | None = None
        self.busy = False

    def _configure_frameworks(self) -> None:
        """Import and tune the frameworks (seconds for torch): done after registering, so jobs
        sent meanwhile wait in the module's queue instead of finding no worker.

        TF and TFLITE are not imported here but at their first model (TensorFlow costs seconds and
        about half a gigabyte); the thread counts reach each TF session and TFLite interpreter."""
        if "TORCH" in self.config.backends:
            import torch

            if self.config.intra_op_threads > 0:
                torch.set_num_threads(self.config.intra_op_threads)
            if self.config.inter_op_threads > 0:
                try:
                    torch.set_num_interop_threads(self.config.inter_op_threads)
                except RuntimeError:
                    pass

    def stop(self, signum: int = 0, frame: FrameType | None = None) -> None:
        """Signal handler: leave at once when idle (blocked in NEXT), else after the current run."""
        self.stopping = True
        if not self.busy:
            # Nothing in flight: leave now. A normal interpreter exit would first run the
            # frameworks' own teardown (about a second for torch), for nothing.
            for handler in logging.getLogger().handlers:
                handler.flush()
            os._exit(0)

    def serve(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        self.connection = WorkerConnection(self.config.address)
        try:
            self.connection.hello(self.config.device, self.config.backends)
            log.info(
                "registered on %s for %s %s", self.config.address, self.config.device, self.config.backends
            )
            self._configure_frameworks()
            while not self.stopping:
                reply = self.connection.next_reply(NEXT_TIMEOUT_MS)
                if reply is None:
                    continue
                self.busy = True
                try:
                    self.handle(reply)
                finally:
                    self.busy = False
        finally:
            self.connection.close()

    def handle(self, reply: Any) -> None:
        assert self.connection is not None
        try:
            run = parse_run(reply)
        except (WorkerError, ValueError) as error:
            run_id = _run_id(reply)
            if run_id is not None:
                self._done(run_id, 0, error=str(error))
            return
        started = time.perf_counter()
        try:
            outcomes = self.execute(run)
            if len(outcomes) == 1 and isinstance(outcomes[0], WorkerError):
                raise outcomes[0]
            payload = encode_outputs(outcomes)
        except WorkerError as error:
            duration = int((time.perf_counter() - started) * 1e6)
            log.info("run %d (%s) failed: %s", run.run, run.key, error)
            self._done(run.run, duration, error=str(error))
            return
        except Exception as error:
            duration = int((time.perf_counter() - started) * 1e6)
            log.exception("run %d (%s) failed", run.run, run.key)
            self._done(run.run, duration, error=f"ERR {type(error).__name__}: {error}")
            return
        duration = int((time.perf_counter() - started) * 1e6)
        self._done(run.run, duration, payload=payload)

    def _done(self, run_id: int, duration_us: int, payload: list[Any] | None = None, error: str = "") -> None:
        """Report a run (``error`` set: DONE ERR). The module refusing a report (a result it
        cannot store) concerns that run only: it is logged and the worker goes on serving."""
        assert self.connection is not None
        try:
            if payload is None:
                self.connection.done_err(run_id, duration_us, error)
            else:
                self.connection.done_ok(run_id, duration_us, payload)
        except ProtocolError as refused:
            log.error("run %d: %s", run_id, refused)

    def load(self, run: Run) -> Any:
        assert self.connection is not None
        loaded = self.cache.get(run.cache_key)
        if loaded is not None:
            return loaded
        blob = self.connection.model(run.run)
        if run.backend not in self.config.backends:
            raise WorkerError(f"ERR backend {run.backend} is not served by this worker")
        if run.kind == "SCRIPT":
            from .backends.torch_backend import TorchScript

            loaded = TorchScript(blob, run.device)
        else:
            inputs, outputs = self._model_io_names(run) if run.backend == "TF" else ([], [])
            loaded = build_model(run.backend, run.device, blob, inputs, outputs, self.threads)
        self.cache.put(run.cache_key, loaded)
        return loaded

    def _model_io_names(self, run: Run) -> tuple[list[str], list[str]]:
        """The INPUTS and OUTPUTS names a TF model was stored with, for the version this run holds."""
        assert self.connection is not None
        inputs, outputs = self.connection.model_io(run.run)
        request = run.requests[0]
        if len(inputs) != len(request.inputs) or len(outputs) != request.noutputs:
            raise WorkerError(
                f"ERR TF model {run.key} expects {len(inputs)} inputs and {len(outputs)} outputs"
            )
        return inputs, outputs

    def script_host(self) -> ShardScriptHost:
        """What scripts' ``redis.execute`` and ``redisAI.model_execute`` use: a second connection
        to this worker's shard, opened at the first call."""
        if self._script_host is None:
            self._script_host = ShardScriptHost(
                self.config.address,
                lambda backend, device, blob, inputs, outputs: build_model(
                    backend, device, blob, inputs, outputs, self.threads
                ),
            )
        return self._script_host

    def execute(self, run: Run) -> list[Outcome]:
        """The outputs or the error of each request; a failure that concerns the whole run (the
        model does not load, a wrong batch size) raises instead."""
        loaded = self.load(run)

        def execute_requests(requests: Sequence[Request]) -> list[list[np.ndarray]]:
            if run.kind == "SCRIPT":
                host = self.script_host()
                result: list[list[np.ndarray]] = loaded.run(requests, run.function, run.entry_point, host)
            else:
                result = run_model(loaded, run.backend, requests)
            return result

        return outcomes_per_request(execute_requests, run.requests)


def _run_id(reply: Any) -> int | None:
    try:
        for i in range(0, len(reply), 2):
            if reply[i] in (b"run", "run"):
                return int(reply[i + 1])
    except (TypeError, ValueError, IndexError):
        return None
    return None


def run_worker(config: WorkerConfig) -> int:
    worker = Worker(config)
    try:
        worker.serve()
    except ProtocolError:
        log.exception("protocol error")
        return 2
    except ShardConnectionError as error:
        log.error("connection to %s lost: %s", config.address, error)
        return 3
    except KeyboardInterrupt:
        return 0
    return 0
