"""TFLITE backend: TensorFlow Lite flatbuffers run by the LiteRT interpreter.

Inputs and outputs are taken by position, as RedisAI does. An input whose shape differs from the
one the interpreter is sized for (another batch size, a batched run) resizes that input first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..batching import run_batched
from ..protocol import Request, WorkerError
from . import framework_module, import_quietly, missing_framework_message, quiet_stderr

INPUT_COUNT_ERROR = "Number of keys given as INPUTS here does not match model definition"
OUTPUT_COUNT_ERROR = "Number of keys given as OUTPUTS here does not match model definition"
INPUT_TYPE_ERROR = "Input tensor type doesn't match the type expected by the model definition"
LOAD_ERROR = "Failed to load model from buffer"


def interpreter_class() -> Any:
    """``Interpreter`` of the installed provider: ai_edge_litert, tflite_runtime or tf.lite."""
    module = framework_module("TFLITE")
    if module is None:
        raise WorkerError(f"ERR {missing_framework_message('TFLITE')}")
    if module == "tensorflow":
        return import_quietly("tensorflow").lite.Interpreter
    return import_quietly(f"{module}.interpreter").Interpreter


class TFLiteModel:
    def __init__(self, blob: bytes, device: str, threads: int = 0) -> None:
        if device.upper().startswith("GPU"):
            raise WorkerError(f"ERR device {device}: the TFLITE backend runs on CPU only")
        interpreter = interpreter_class()
        try:
            with quiet_stderr():
                self.interpreter = interpreter(
                    model_content=blob, num_threads=threads if threads > 0 else None
                )
                self.interpreter.allocate_tensors()
        except Exception as error:
            raise WorkerError(LOAD_ERROR) from error
        self.inputs = self.interpreter.get_input_details()
        self.outputs = self.interpreter.get_output_details()
        self.shapes = [tuple(int(d) for d in detail["shape"]) for detail in self.inputs]

    def _resize(self, inputs: Sequence[np.ndarray]) -> None:
        changed = False
        for index, (array, detail) in enumerate(zip(inputs, self.inputs, strict=True)):
            if array.shape != self.shapes[index]:
                self.interpreter.resize_tensor_input(detail["index"], list(array.shape), strict=False)
                self.shapes[index] = array.shape
                changed = True
        if changed:
            self.interpreter.allocate_tensors()

    def _execute(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        try:
            self._resize(inputs)
            for array, detail in zip(inputs, self.inputs, strict=True):
                self.interpreter.set_tensor(detail["index"], np.ascontiguousarray(array))
            self.interpreter.invoke()
            # get_tensor copies: the interpreter reuses its buffers on the next invoke.
            return [self.interpreter.get_tensor(detail["index"]) for detail in self.outputs]
        except Exception as error:
            raise WorkerError(" ".join(str(error).split()) or type(error).__name__) from error

    def run(self, requests: Sequence[Request]) -> list[list[np.ndarray]]:
        for request in requests:
            if len(request.inputs) != len(self.inputs):
                raise WorkerError(INPUT_COUNT_ERROR)
            if request.noutputs != len(self.outputs):
                raise WorkerError(OUTPUT_COUNT_ERROR)
            for array, detail in zip(request.inputs, self.inputs, strict=True):
                if array.dtype != np.dtype(detail["dtype"]):
                    raise WorkerError(INPUT_TYPE_ERROR)
        return run_batched(self._execute, [r.inputs for r in requests])
