"""TORCH backend: TorchScript models (``torch.jit.load``) and scripts (TorchScript source)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from ..batching import run_batched
from ..protocol import Request, WorkerError, is_string_array
from . import torch_extensions

INPUT_COUNT_ERROR = "Number of keys given as INPUTS here does not match model definition"


def check_no_strings(inputs: Sequence[np.ndarray]) -> None:
    """Torch has no string tensors: name the first STRING input instead of failing in torch."""
    for index, array in enumerate(inputs):
        if is_string_array(array):
            raise WorkerError(
                "ERR STRING tensors are not supported by the TORCH backend "
                f"(input {index} is a STRING tensor)"
            )


def torch_device(device: str) -> torch.device:
    name = device.upper()
    if name.startswith("GPU"):
        index = int(name.split(":", 1)[1]) if ":" in name else 0
        return torch.device("cuda", index)
    return torch.device("cpu")


def to_tensor(array: np.ndarray, device: torch.device) -> torch.Tensor:
    """A numpy array as a tensor, sharing memory when the buffer is writable (copied otherwise)."""
    if not array.flags.writeable or not array.flags.c_contiguous:
        array = np.array(array, copy=True, order="C")
    tensor = torch.from_numpy(array)
    return tensor if device.type == "cpu" else tensor.to(device)


def to_array(tensor: torch.Tensor) -> np.ndarray:
    # Each torch call costs a dispatch (about a microsecond): skip the ones with nothing to do.
    if tensor.device.type != "cpu":
        tensor = tensor.to("cpu")
    if not tensor.is_contiguous():
        tensor = tensor.contiguous()
    if tensor.requires_grad:
        tensor = tensor.detach()
    return tensor.numpy()


def flatten(value: Any, function: str) -> list[torch.Tensor]:
    """Tensors, lists and tuples of tensors flattened in order."""
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for item in value for t in flatten(item, function)]
    raise WorkerError(f"Function returned non-tensor values{function}")


def _short(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return " ".join(text.split())


def _is_tensor_list(type_: Any) -> bool:
    return isinstance(type_, torch.ListType) and type_.getElementType().isSubtypeOf(torch.TensorType.get())


def _is_tensor(type_: Any) -> bool:
    return bool(type_.isSubtypeOf(torch.TensorType.get()))


class TorchModel:
    def __init__(self, blob: bytes, device: str) -> None:
        self.device = torch_device(device)
        try:
            self.module = torch.jit.load(io.BytesIO(blob), map_location=self.device)  # type: ignore[no-untyped-call]
        except Exception as error:
            raise WorkerError(_short(error)) from error
        self.module.eval()
        self.ninputs: int | None = None
        try:
            arguments = self.module.forward.schema.arguments[1:]
            if not any(_is_tensor_list(a.type) for a in arguments):
                self.ninputs = len(arguments)
        except Exception:
            self.ninputs = None

    def _execute(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        tensors = [to_tensor(a, self.device) for a in inputs]
        try:
            with torch.no_grad():
                result = self.module(*tensors)
        except Exception as error:
            raise WorkerError(_short(error)) from error
        return [to_array(t) for t in flatten(result, "")]

    def run(self, requests: Sequence[Request]) -> list[list[np.ndarray]]:
        for request in requests:
            if self.ninputs is not None and len(request.inputs) != self.ninputs:
                raise WorkerError(INPUT_COUNT_ERROR)
            check_no_strings(request.inputs)
        return run_batched(self._execute, [r.inputs for r in requests])


class TorchScript:
    """A script's compilation unit. Its names ``torch``, ``redis`` and ``redisAI`` resolve as in
    RedisAI (``torch_extensions``); ``redis``/``redisAI`` calls are served by the host given to
    ``run``."""

    def __init__(self, source: bytes, device: str) -> None:
        self.device = torch_device(device)
        try:
            self.unit = torch.jit.CompilationUnit()
            self.unit.define(source.decode(), rcb=torch_extensions.resolve)
        except Exception as error:
            raise WorkerError(_short(error)) from error

    def _function(self, name: str) -> Any:
        try:
            return self.unit.find_function(name)
        except Exception:
            return None

    def run(
        self,
        requests: Sequence[Request],
        function: str,
        entry_point: bool,
        host: torch_extensions.ScriptHost | None = None,
    ) -> list[list[np.ndarray]]:
        fn = self._function(function)
        if fn is None:
            raise WorkerError(f"Function does not exist: {function}")
        return [self._call(fn, function, entry_point, request, host) for request in requests]

    def _call(
        self,
        fn: Any,
        name: str,
        entry_point: bool,
        request: Request,
        host: torch_extensions.ScriptHost | None,
    ) -> list[np.ndarray]:
        check_no_strings(request.inputs)
        tensors = [to_tensor(a, torch.device("cpu")) for a in request.inputs]
        if entry_point:
            call_args: list[Any] = [tensors, list(request.keys), list(request.args)]
        else:
            call_args = self._bind_legacy(fn, name, tensors)
        try:
            with torch.no_grad(), torch_extensions.hosting(host):
                result = fn(*call_args)
        except Exception as error:
            # An error of redis.execute / redisAI.model_execute is reported as its own text, not
            # inside the interpreter's traceback.
            raised = torch_extensions.last_error()
            raise WorkerError(str(raised) if raised is not None else _short(error)) from error
        if request.noutputs == 0:
            return []
        outputs = flatten(result, name) if result is not None else []
        if len(outputs) != request.noutputs:
            raise WorkerError(f"Function returned unexpected number of outputs - {name}")
        return [to_array(t) for t in outputs]

    @staticmethod
    def _bind_legacy(fn: Any, name: str, tensors: list[torch.Tensor]) -> list[Any]:
        arguments = fn.schema.arguments
        if len(arguments) > len(tensors):
            raise WorkerError(f"Wrong number of inputs provided to function: {name}")
        bound: list[Any] = []
        position = 0
        for argument in arguments:
            if _is_tensor_list(argument.type):
                bound.append(tensors[position:])
                position = len(tensors)
            elif _is_tensor(argument.type):
                if position >= len(tensors):
                    raise WorkerError(f"Wrong number of inputs provided to function: {name}")
                bound.append(tensors[position])
                position += 1
            else:
                raise WorkerError(f"Unsupported input type in function definition: {name}")
        return bound
