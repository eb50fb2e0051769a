"""What a TorchScript script reaches through ``redis.execute`` and ``redisAI.model_execute``.

A worker's own connection speaks the worker protocol; a script's commands go over a second plain
connection to the same shard, opened at the first call, so that whatever a script sends (SELECT,
CLIENT SETNAME, a command that fails) leaves the worker's registration alone. Replies are read
with hiredis' reader, which keeps error replies whole ("ERR ...", "WRONGTYPE ...").

``redisAI.model_execute`` runs a stored model in the worker itself, synchronously: queueing it
as a job would wait for a worker, possibly this one. The model value is read with
``AI.MODELGET <key> META BLOB`` and kept loaded, keyed by its key and a digest of its blob.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import hiredis
import numpy as np

from .backends.loading import build_model, run_model
from .cache import LRUCache
from .protocol import Request, WorkerError, is_string_array
from .shard_connection import ShardConnection

# Commands that would block the worker (it runs one script at a time on one thread) or change
# what the connection is: refused before they are sent.
REFUSED = frozenset(
    {
        "BLPOP", "BRPOP", "BRPOPLPUSH", "BLMOVE", "BLMPOP", "BZPOPMIN", "BZPOPMAX", "BZMPOP", "WAIT",
        "WAITAOF", "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "MONITOR", "MULTI", "QUIT", "RESET",
        "SHUTDOWN", "AI.MODELEXECUTE", "AI.MODELRUN", "AI.SCRIPTEXECUTE", "AI.SCRIPTRUN",
        "AI.DAGEXECUTE", "AI.DAGEXECUTE_RO", "AI.DAGRUN", "AI.DAGRUN_RO",
    }
)  # fmt: skip


def script_value(reply: Any) -> Any:
    """A reply as a TorchScript value: bulk/status → str, integer → int, array → tuple, nil → None."""
    if isinstance(reply, bytes):
        return reply.decode("utf-8", errors="replace")
    if isinstance(reply, (list, tuple)):
        return tuple(script_value(item) for item in reply)
    if isinstance(reply, hiredis.ReplyError):
        return str(reply)
    return reply


def _field_map(reply: Any) -> dict[str, Any]:
    return {bytes(reply[i]).decode(): reply[i + 1] for i in range(0, len(reply) - 1, 2)}


def _names(values: Any) -> list[str]:
    return [bytes(v).decode("utf-8", errors="surrogateescape") for v in values]


# (backend, device, blob, inputs, outputs) -> a loaded model (backends.loading.build_model).
ModelBuilder = Callable[[str, str, bytes, list[str], list[str]], Any]


class ShardScriptHost:
    """The :class:`~.backends.torch_extensions.ScriptHost` of a worker serving one shard."""

    def __init__(self, address: str, build: ModelBuilder = build_model, cache_size: int = 16) -> None:
        self.connection = ShardConnection(address)
        self.build = build
        self.models: LRUCache[Any] = LRUCache(cache_size)

    def execute(self, command: str, args: list[str]) -> Any:
        from .backends.torch_extensions import RedisCommandError

        if command.upper() in REFUSED:
            raise RedisCommandError(f"ERR {command} is not allowed inside a script")
        reply = self.connection.command(command, *args)
        if isinstance(reply, hiredis.ReplyError):
            raise RedisCommandError(str(reply))
        return script_value(reply)

    def model_execute(self, key: str, inputs: list[Any], num_outputs: int) -> list[Any]:
        import torch

        reply = self.connection.command("AI.MODELGET", key, "META", "BLOB")
        if isinstance(reply, hiredis.ReplyError):
            raise WorkerError(str(reply))
        meta = _field_map(reply)
        blob = bytes(meta["blob"])
        cache_key = (key, hashlib.blake2b(blob, digest_size=16).digest())
        backend = bytes(meta["backend"]).decode()
        model = self.models.get(cache_key)
        if model is None:
            device = bytes(meta["device"]).decode()
            model = self.build(backend, device, blob, _names(meta["inputs"]), _names(meta["outputs"]))
            self.models.put(cache_key, model)
        arrays = [t.detach().to("cpu").contiguous().numpy() for t in inputs]
        request = Request(job=0, keys=[], args=[], noutputs=num_outputs, inputs=arrays)
        outputs = run_model(model, backend, [request])[0]
        if len(outputs) != num_outputs:
            raise WorkerError("ERR Model did not generate the expected number of outputs")
        if any(is_string_array(out) for out in outputs):
            raise WorkerError("ERR STRING tensors are not supported by the TORCH backend (a model output)")
        return [torch.from_numpy(np.array(out, copy=True)) for out in outputs]

    def close(self) -> None:
        self.connection.close()
