"""The ``redis`` and ``redisAI`` names of TorchScript scripts (RedisAI reference §4.6).

RedisAI registers C++ TorchScript operators; here they are ``torch.library`` operators implemented
in Python, which TorchScript calls like any other operator:

* ``redis.execute(cmd, args)`` (``redis::execute(str, str[]) -> Any``; ``redis.execute(cmd, a, b)``
  is TorchScript's sugar for the list form) runs a command on the worker's shard;
* ``redis.asList(value)`` (``redis::asList(Any) -> Any[]``) turns an array reply into a list;
* ``redisAI.model_execute(key, inputs, num_outputs)`` runs a stored model inside the script.

The operators do their work through the :class:`ScriptHost` installed with :func:`hosting` for
the duration of a script call (one run at a time per worker process). They are declared with
conservative alias analysis so that TorchScript never drops a call whose result is unused (a
``SET`` whose reply the script ignores must still run).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import torch

EXECUTE_ERROR = "Redis command returned an error: "
NO_HOST_ERROR = "redis.execute and redisAI.model_execute are only available while a script runs"


class ScriptHost(Protocol):
    """What the operators need from the worker running the script."""

    def execute(self, command: str, args: list[str]) -> Any:
        """The command's reply: str, int, None, or a tuple of those (arrays); raises
        ``RedisCommandError`` for an error reply."""
        ...

    def model_execute(self, key: str, inputs: list[torch.Tensor], num_outputs: int) -> list[torch.Tensor]:
        """The outputs of the model stored at ``key``; raises with the error text for the script."""
        ...


class RedisCommandError(RuntimeError):
    """An error reply to ``redis.execute``; the message is the server's error text."""


class ScriptCallError(RuntimeError):
    """The error an operator raised, kept so that the script's error is this text rather than
    the TorchScript interpreter's traceback around it."""


class _State:
    host: ScriptHost | None = None
    error: ScriptCallError | None = None


_state = _State()
_libraries: list[Any] = []


def _call(operation: Callable[[ScriptHost], Any]) -> Any:
    host = _state.host
    if host is None:
        raise RuntimeError(NO_HOST_ERROR)
    try:
        return operation(host)
    except RedisCommandError as error:
        _state.error = ScriptCallError(EXECUTE_ERROR + str(error))
    except Exception as error:
        _state.error = ScriptCallError(str(error) or type(error).__name__)
    raise _state.error


def _execute(command: str, args: list[str]) -> Any:
    return _call(lambda host: host.execute(command, list(args)))


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return list(value)
    raise RuntimeError(f"redis.asList expects an array reply, got {type(value).__name__}")


def _model_execute(key: str, inputs: list[torch.Tensor], num_outputs: int) -> list[torch.Tensor]:
    outputs: list[torch.Tensor] = _call(lambda host: host.model_execute(key, list(inputs), num_outputs))
    return outputs


def register() -> None:
    """Define the operators once per process (torch.library definitions are global)."""
    if _libraries:
        return
    library: Any = torch.library.Library  # untyped in torch's stubs
    redis_lib = library("redis", "DEF")
    redis_lib.define("execute(str cmd, str[] args) -> Any", alias_analysis="CONSERVATIVE")
    redis_lib.impl("execute", _execute, "CompositeExplicitAutograd")
    redis_lib.define("asList(Any value) -> Any[]")
    redis_lib.impl("asList", _as_list, "CompositeExplicitAutograd")
    ai_lib = library("redisAI", "DEF")
    ai_lib.define(
        "model_execute(str model_key, Tensor[] inputs, int num_outputs) -> Tensor[]",
        alias_analysis="CONSERVATIVE",
    )
    ai_lib.impl("model_execute", _model_execute, "CompositeExplicitAutograd")
    _libraries.extend([redis_lib, ai_lib])


def resolve(name: str) -> Any:
    """Resolution callback of script compilation: the names a RedisAI script may use."""
    register()
    names: dict[str, Any] = {
        "torch": torch,
        "redis": torch.ops.redis,
        "redisAI": torch.ops.redisAI,
        "math": math,
    }
    return names.get(name)


@contextmanager
def hosting(host: ScriptHost | None) -> Iterator[None]:
    """Serve the operators from ``host`` while the block runs (a script call)."""
    _state.host, _state.error = host, None
    try:
        yield
    finally:
        _state.host = None


def last_error() -> ScriptCallError | None:
    """The error an operator raised during the current or last script call, if any."""
    return _state.error
