"""Models and scripts: the ``Client`` methods that store, fetch, run and delete them.

Standalone, a model lives under its (optionally prefixed) key. In a cluster SmartRedis stores a
copy on every shard under ``{S}.<key>`` (see :func:`smartredis.keys.shard_prefix_for_slot`) and
runs it on the shard that owns the first input; this module does the same so either client finds
the other's models.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from typing import Any

from . import _transport, keys
from ._validation import as_name_list, check_type
from .error import RedisRuntimeError

BACKENDS = ("TF", "TFLITE", "TORCH", "ONNX")
MODEL_TIMEOUT_ENV = "SR_MODEL_TIMEOUT"
DEFAULT_MODEL_TIMEOUT_MS = 60_000_000


def _check_backend(backend: str) -> str:
    check_type(backend, str, "backend")
    upper = backend.upper()
    if upper not in BACKENDS:
        raise TypeError(f"Backend type {backend} unsupported")
    return upper


def _check_device(device: str) -> str:
    check_type(device, str, "device")
    upper = device.upper()
    if not upper.startswith(("CPU", "GPU")):
        raise TypeError("Device argument must start with either CPU or GPU")
    if upper != "CPU" and "GPU" not in upper:
        raise RedisRuntimeError(f"{device} is not a valid device.")
    return upper


def _check_batch_settings(batch_size: int, min_batch_size: int, min_batch_timeout: int) -> None:
    for value, name in (
        (batch_size, "batch_size"),
        (min_batch_size, "min_batch_size"),
        (min_batch_timeout, "min_batch_timeout"),
    ):
        check_type(value, int, name)
    if batch_size == 0 and (min_batch_size > 0 or min_batch_timeout > 0):
        raise RedisRuntimeError(
            "batch_size must be non-zero if min_batch_size or min_batch_timeout is used; "
            "otherwise batching will not be performed."
        )
    if min_batch_timeout > 0 and min_batch_size == 0:
        raise RedisRuntimeError(
            "min_batch_size must be non-zero if min_batch_timeout is used; "
            "otherwise the min_batch_timeout parameter is ignored."
        )


def _check_gpus(first_gpu: int, num_gpus: int) -> None:
    check_type(first_gpu, int, "first_gpu")
    check_type(num_gpus, int, "num_gpus")
    if first_gpu < 0:
        raise ValueError("first_gpu must be a non-negative integer")
    if num_gpus < 1:
        raise ValueError("num_gpus must be a positive integer")


def _gpu_indices(first_gpu: int, num_gpus: int) -> range:
    """The GPUs a multi-GPU store or delete covers.

    SmartRedis loops from first_gpu to num_gpus - 1 (a bug: its runs then target
    first_gpu + offset % num_gpus). Covering first_gpu .. first_gpu + num_gpus - 1 includes every
    key SmartRedis writes and every key its runs and ours look for.
    """
    return range(first_gpu, first_gpu + num_gpus)


def _read_file(path: str, binary: bool) -> bytes | str:
    check_type(path, str, "file")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path} does not exist")
    with open(path, "rb" if binary else "r") as handle:
        data: bytes | str = handle.read()
    return data


class ModelScriptCommands:
    """Mixin of ``Client``; relies on the connection and prefix state the client sets up."""

    _conn: Any
    _cluster: bool
    _put_prefix: str
    _get_prefix: str
    _use_model_prefix: bool
    _use_tensor_prefix: bool
    _model_chunk_size: int | None
    _shard_table_cache: list[tuple[int, bytes]] | None
    _poll: Callable[[Callable[[], bool], int, int], bool]

    # Keys ------------------------------------------------------------------------------------
    def _model_put_key(self, name: str) -> str:
        return keys.tensor_key(name, self._put_prefix, self._use_model_prefix)

    def _model_get_key(self, name: str) -> str:
        return keys.tensor_key(name, self._get_prefix, self._use_model_prefix)

    def _shard_table(self) -> list[tuple[int, bytes]]:
        """(lowest slot, S) of every shard, in slot order (cluster mode only). Read once: like
        SmartRedis, the client assumes the slot layout does not change under it."""
        if self._shard_table_cache is None:
            lows = sorted(int(lo) for lo, *_ in _transport.run(self._conn, "CLUSTER", "SLOTS"))
            self._shard_table_cache = [(low, keys.shard_prefix_for_slot(low)) for low in lows]
        return self._shard_table_cache

    def _placed_keys(self, key: str) -> list[str | bytes]:
        """Where a model/script key is stored: itself, or one copy per shard in a cluster."""
        if not self._cluster:
            return [key]
        return [keys.shard_model_key(prefix, key) for _, prefix in self._shard_table()]

    def _first_placed_key(self, key: str) -> str | bytes:
        return self._placed_keys(key)[0]

    # Models ----------------------------------------------------------------------------------
    def _chunk_size(self) -> int:
        if self._model_chunk_size is not None:
            return self._model_chunk_size
        size = _transport.run(self._conn, "AI.CONFIG", "GET", "MODEL_CHUNK_SIZE")
        if not isinstance(size, int) or size <= 0:
            raise RedisRuntimeError(
                f"AI.CONFIG GET MODEL_CHUNK_SIZE returned {size!r}, not a positive integer"
            )
        return size

    def set_model_chunk_size(self, chunk_size: int) -> None:
        check_type(chunk_size, int, "chunk_size")
        if chunk_size <= 0:
            raise ValueError("chunk_size must be a positive integer")
        _transport.run(self._conn, "AI.CONFIG", "MODEL_CHUNK_SIZE", chunk_size)
        self._model_chunk_size = chunk_size

    def _modelstore_args(
        self,
        model: bytes,
        backend: str,
        device: str,
        batch_size: int,
        min_batch_size: int,
        min_batch_timeout: int,
        tag: str,
        inputs: list[str],
        outputs: list[str],
    ) -> list[Any]:
        args: list[Any] = [backend, device]
        if tag:
            args += ["TAG", tag]
        for keyword, value in (
            ("BATCHSIZE", batch_size),
            ("MINBATCHSIZE", min_batch_size),
            ("MINBATCHTIMEOUT", min_batch_timeout),
        ):
            if value > 0:
                args += [keyword, value]
        if inputs:
            args += ["INPUTS", len(inputs), *inputs]
        if outputs:
            args += ["OUTPUTS", len(outputs), *outputs]
        chunk = self._chunk_size()
        view = memoryview(model)
        # Each chunk travels as its own argument, a view of the caller's bytes (no copy).
        # An empty model sends no chunk at all, as SmartRedis does (the server refuses it).
        args += ["BLOB", *(view[offset : offset + chunk] for offset in range(0, len(model), chunk))]
        return args

    def _validate_model(
        self,
        model: bytes,
        backend: str,
        batch_size: int,
        min_batch_size: int,
        min_batch_timeout: int,
        tag: str,
        inputs: str | list[str] | None,
        outputs: str | list[str] | None,
    ) -> tuple[str, list[str], list[str]]:
        check_type(model, (bytes, bytearray, memoryview), "model")
        check_type(tag, str, "tag")
        upper_backend = _check_backend(backend)
        input_names = as_name_list(inputs, "inputs")
        output_names = as_name_list(outputs, "outputs")
        if (input_names or output_names) and upper_backend != "TF":
            raise ValueError("INPUTS and OUTPUTS may only be specified for the TF backend")
        _check_batch_settings(batch_size, min_batch_size, min_batch_timeout)
        return upper_backend, input_names, output_names

    def set_model(
        self,
        name: str,
        model: bytes,
        backend: str,
        device: str = "CPU",
        batch_size: int = 0,
        min_batch_size: int = 0,
        min_batch_timeout: int = 0,
        tag: str = "",
        inputs: str | list[str] | None = None,
        outputs: str | list[str] | None = None,
    ) -> None:
        check_type(name, str, "name")
        if not name:
            raise ValueError("name is a required parameter of set_model.")
        upper_backend, input_names, output_names = self._validate_model(
            model, backend, batch_size, min_batch_size, min_batch_timeout, tag, inputs, outputs
        )
        upper_device = _check_device(device)
        args = self._modelstore_args(
            bytes(model) if isinstance(model, memoryview) else model,
            upper_backend,
            upper_device,
            batch_size,
            min_batch_size,
            min_batch_timeout,
            tag,
            input_names,
            output_names,
        )
        for key in self._placed_keys(self._model_put_key(name)):
            _transport.run(self._conn, "AI.MODELSTORE", key, *args)

    def set_model_from_file(
        self,
        name: str,
        model_file: str,
        backend: str,
        device: str = "CPU",
        batch_size: int = 0,
        min_batch_size: int = 0,
        min_batch_timeout: int = 0,
        tag: str = "",
        inputs: str | list[str] | None = None,
        outputs: str | list[str] | None = None,
    ) -> None:
        model = _read_file(model_file, binary=True)
        assert isinstance(model, bytes)
        self.set_model(
            name, model, backend, device, batch_size, min_batch_size, min_batch_timeout, tag, inputs, outputs
        )

    def set_model_multigpu(
        self,
        name: str,
        model: bytes,
        backend: str,
        first_gpu: int,
        num_gpus: int,
        batch_size: int = 0,
        min_batch_size: int = 0,
        min_batch_timeout: int = 0,
        tag: str = "",
        inputs: str | list[str] | None = None,
        outputs: str | list[str] | None = None,
    ) -> None:
        check_type(name, str, "name")
        upper_backend, input_names, output_names = self._validate_model(
            model, backend, batch_size, min_batch_size, min_batch_timeout, tag, inputs, outputs
        )
        _check_gpus(first_gpu, num_gpus)
        key = self._model_put_key(name)
        for device, stored_key in [
            *((f"GPU:{gpu}", f"{key}.GPU:{gpu}") for gpu in _gpu_indices(first_gpu, num_gpus)),
            ("GPU", key),
        ]:
            args = self._modelstore_args(
                bytes(model),
                upper_backend,
                device,
                batch_size,
                min_batch_size,
                min_batch_timeout,
                tag,
                input_names,
                output_names,
            )
            for placed in self._placed_keys(stored_key):
                _transport.run(self._conn, "AI.MODELSTORE", placed, *args)

    def set_model_from_file_multigpu(
        self,
        name: str,
        model_file: str,
        backend: str,
        first_gpu: int,
        num_gpus: int,
        batch_size: int = 0,
        min_batch_size: int = 0,
        min_batch_timeout: int = 0,
        tag: str = "",
        inputs: str | list[str] | None = None,
        outputs: str | list[str] | None = None,
    ) -> None:
        model = _read_file(model_file, binary=True)
        assert isinstance(model, bytes)
        self.set_model_multigpu(
            name,
            model,
            backend,
            first_gpu,
            num_gpus,
            batch_size,
            min_batch_size,
            min_batch_timeout,
            tag,
            inputs,
            outputs,
        )

    def get_model(self, name: str) -> bytes:
        check_type(name, str, "name")
        reply = _transport.run(
            self._conn, "AI.MODELGET", self._first_placed_key(self._model_get_key(name)), "BLOB"
        )
        # A large model arrives in chunks; join them in order (SmartRedis 0.6.1 gets this wrong).
        return b"".join(reply) if isinstance(reply, list) else bytes(reply)

    def delete_model(self, name: str) -> None:
        check_type(name, str, "name")
        for key in self._placed_keys(self._model_get_key(name)):
            _transport.run(self._conn, "AI.MODELDEL", key)

    def delete_model_multigpu(self, name: str, first_gpu: int, num_gpus: int) -> None:
        check_type(name, str, "name")
        _check_gpus(first_gpu, num_gpus)
        key = self._model_get_key(name)
        for stored_key in [*(f"{key}.GPU:{gpu}" for gpu in _gpu_indices(first_gpu, num_gpus)), key]:
            for placed in self._placed_keys(stored_key):
                _transport.run(self._conn, "AI.MODELDEL", placed)

    def model_exists(self, name: str) -> bool:
        check_type(name, str, "name")
        return bool(_transport.run(self._conn, "EXISTS", self._first_placed_key(self._model_get_key(name))))

    def poll_model(self, name: str, poll_frequency_ms: int, num_tries: int) -> bool:
        check_type(name, str, "name")
        return self._poll(lambda: self.model_exists(name), poll_frequency_ms, num_tries)

    def _io_keys(
        self, inputs: str | list[str] | None, outputs: str | list[str] | None
    ) -> tuple[list[str], list[str]]:
        ins = [
            keys.tensor_key(n, self._get_prefix, self._use_tensor_prefix)
            for n in as_name_list(inputs, "inputs")
        ]
        outs = [
            keys.tensor_key(n, self._put_prefix, self._use_tensor_prefix)
            for n in as_name_list(outputs, "outputs")
        ]
        return ins, outs

    def _timeout_ms(self) -> int:
        text = os.environ.get(MODEL_TIMEOUT_ENV)
        try:
            return int(text) if text else DEFAULT_MODEL_TIMEOUT_MS
        except ValueError:
            raise ValueError(
                f"{MODEL_TIMEOUT_ENV}={text!r} is not an integer number of milliseconds"
            ) from None

    def _execute_on_shard(
        self, key: str, ins: list[str], outs: list[str], command: Callable[..., list[Any]]
    ) -> None:
        """Run a model or script; in a cluster, on the shard of the first input, with inputs and
        outputs staged there under ``{S}.<name>.TMP`` as SmartRedis does."""
        if not self._cluster:
            _transport.run(self._conn, *command(key, ins, outs))
            return
        if not ins:
            raise RedisRuntimeError("A model or script run in a cluster needs at least one input tensor")
        slot = keys.key_slot(ins[0])
        prefix = [prefix for low, prefix in self._shard_table() if low <= slot][-1]
        tmp_ins = [keys.staged_tensor_key(prefix, name) for name in ins]
        tmp_outs = [keys.staged_tensor_key(prefix, name) for name in outs]
        try:
            for source, staged in zip(ins, tmp_ins, strict=True):
                _transport.copy_tensor_key(self._conn, source, staged)
            _transport.run(self._conn, *command(keys.shard_model_key(prefix, key), tmp_ins, tmp_outs))
            for staged, target in zip(tmp_outs, outs, strict=True):
                _transport.copy_tensor_key(self._conn, staged, target)
        finally:
            staged_keys = [*tmp_outs, *tmp_ins]
            if staged_keys:
                _transport.run(self._conn, "DEL", *staged_keys)

    def run_model(
        self, name: str, inputs: str | list[str] | None = None, outputs: str | list[str] | None = None
    ) -> None:
        check_type(name, str, "name")
        ins, outs = self._io_keys(inputs, outputs)
        timeout = self._timeout_ms()

        def command(key: Any, in_keys: list[Any], out_keys: list[Any]) -> list[Any]:
            return [
                "AI.MODELEXECUTE",
                key,
                "INPUTS",
                len(in_keys),
                *in_keys,
                "OUTPUTS",
                len(out_keys),
                *out_keys,
                "TIMEOUT",
                timeout,
            ]

        self._execute_on_shard(self._model_get_key(name), ins, outs, command)

    def run_model_multigpu(
        self,
        name: str,
        offset: int,
        first_gpu: int,
        num_gpus: int,
        inputs: str | list[str] | None = None,
        outputs: str | list[str] | None = None,
    ) -> None:
        check_type(offset, int, "offset")
        _check_gpus(first_gpu, num_gpus)
        self.run_model(f"{name}.GPU:{first_gpu + offset % num_gpus}", inputs, outputs)

    # Scripts ---------------------------------------------------------------------------------
    def _store_script(self, key: str, device: str, source: str) -> None:
        for placed in self._placed_keys(key):
            _transport.run(self._conn, "AI.SCRIPTSET", placed, device, "SOURCE", source)

    def set_script(self, name: str, script: str, device: str = "CPU") -> None:
        check_type(name, str, "name")
        check_type(script, str, "script")
        self._store_script(self._model_put_key(name), _check_device(device), script)

    def set_function(self, name: str, function: Callable[..., Any], device: str = "CPU") -> None:
        check_type(name, str, "name")
        if not callable(function):
            raise TypeError(f"Argument function provided was of type {type(function)}, not a function")
        self.set_script(name, inspect.getsource(function), device)

    def set_script_from_file(self, name: str, file: str, device: str = "CPU") -> None:
        source = _read_file(file, binary=False)
        assert isinstance(source, str)
        self.set_script(name, source, device)

    def _store_script_multigpu(self, name: str, source: str, first_gpu: int, num_gpus: int) -> None:
        check_type(name, str, "name")
        _check_gpus(first_gpu, num_gpus)
        key = self._model_put_key(name)
        for gpu in _gpu_indices(first_gpu, num_gpus):
            self._store_script(f"{key}.GPU:{gpu}", f"GPU:{gpu}", source)
        self._store_script(key, "GPU", source)

    def set_script_multigpu(self, name: str, script: str, first_gpu: int, num_gpus: int) -> None:
        check_type(script, str, "script")
        self._store_script_multigpu(name, script, first_gpu, num_gpus)

    def set_function_multigpu(
        self, name: str, function: Callable[..., Any], first_gpu: int, num_gpus: int
    ) -> None:
        if not callable(function):
            raise TypeError(f"Argument function provided was of type {type(function)}, not a function")
        self._store_script_multigpu(name, inspect.getsource(function), first_gpu, num_gpus)

    def set_script_from_file_multigpu(self, name: str, file: str, first_gpu: int, num_gpus: int) -> None:
        source = _read_file(file, binary=False)
        assert isinstance(source, str)
        self._store_script_multigpu(name, source, first_gpu, num_gpus)

    def get_script(self, name: str) -> str:
        check_type(name, str, "name")
        reply = _transport.run(
            self._conn, "AI.SCRIPTGET", self._first_placed_key(self._model_get_key(name)), "SOURCE"
        )
        return bytes(reply).decode("utf-8")

    def run_script(self, name: str, fn_name: str, inputs: str | list[str], outputs: str | list[str]) -> None:
        check_type(name, str, "name")
        check_type(fn_name, str, "fn_name")
        ins, outs = self._io_keys(inputs, outputs)

        def command(key: Any, in_keys: list[Any], out_keys: list[Any]) -> list[Any]:
            return ["AI.SCRIPTRUN", key, fn_name, "INPUTS", *in_keys, "OUTPUTS", *out_keys]

        self._execute_on_shard(self._model_get_key(name), ins, outs, command)

    def run_script_multigpu(
        self,
        name: str,
        fn_name: str,
        inputs: str | list[str],
        outputs: str | list[str],
        offset: int,
        first_gpu: int,
        num_gpus: int,
    ) -> None:
        check_type(offset, int, "offset")
        _check_gpus(first_gpu, num_gpus)
        self.run_script(f"{name}.GPU:{first_gpu + offset % num_gpus}", fn_name, inputs, outputs)

    def delete_script(self, name: str) -> None:
        check_type(name, str, "name")
        for key in self._placed_keys(self._model_get_key(name)):
            _transport.run(self._conn, "AI.SCRIPTDEL", key)

    def delete_script_multigpu(self, name: str, first_gpu: int, num_gpus: int) -> None:
        check_type(name, str, "name")
        _check_gpus(first_gpu, num_gpus)
        key = self._model_get_key(name)
        for stored_key in [*(f"{key}.GPU:{gpu}" for gpu in _gpu_indices(first_gpu, num_gpus)), key]:
            for placed in self._placed_keys(stored_key):
                _transport.run(self._conn, "AI.SCRIPTDEL", placed)
