"""ONNX backend: models run with onnxruntime."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import onnxruntime as ort

from ..batching import run_batched
from ..protocol import Request, WorkerError


class OnnxModel:
    def __init__(self, blob: bytes, device: str, intra_op: int = 0, inter_op: int = 0) -> None:
        options = ort.SessionOptions()
        if intra_op > 0:
            options.intra_op_num_threads = intra_op
        if inter_op > 0:
            options.inter_op_num_threads = inter_op
        providers: list[Any] = ["CPUExecutionProvider"]
        if device.upper().startswith("GPU"):
            index = int(device.split(":", 1)[1]) if ":" in device else 0
            providers = [("CUDAExecutionProvider", {"device_id": index}), "CPUExecutionProvider"]
        try:
            self.session = ort.InferenceSession(blob, sess_options=options, providers=providers)
        except Exception as error:
            raise WorkerError(" ".join(str(error).split())) from error
        self.input_names = [i.name for i in self.session.get_inputs()]
        self.output_names = [o.name for o in self.session.get_outputs()]

    def _execute(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        feed = dict(zip(self.input_names, (_onnx_input(array) for array in inputs), strict=True))
        try:
            results = self.session.run(self.output_names, feed)
        except Exception as error:
            raise WorkerError(" ".join(str(error).split())) from error
        outputs: list[np.ndarray] = []
        for value in results:
            if not isinstance(value, np.ndarray):
                raise WorkerError("ERR ONNX output is not a tensor")
            outputs.append(value)
        return outputs

    def run(self, requests: Sequence[Request], noutputs: int) -> list[list[np.ndarray]]:
        for request in requests:
            if len(request.inputs) != len(self.input_names):
                raise WorkerError(
                    f"ERR Expected {len(self.input_names)} inputs but got {len(request.inputs)}"
                )
        if noutputs != len(self.output_names):
            raise WorkerError(f"ERR Expected {len(self.output_names)} outputs but got {noutputs}")
        return run_batched(self._execute, [r.inputs for r in requests])


def _onnx_input(array: np.ndarray) -> np.ndarray:
    """STRING tensors arrive as object arrays of bytes; onnxruntime wants str elements (it would
    silently turn bytes into their repr) and holds them as UTF-8."""
    if array.dtype != object:
        return array
    text: list[Any] = []
    for index, value in enumerate(array.reshape(-1)):
        if isinstance(value, bytes):
            try:
                value = value.decode("utf-8")
            except UnicodeDecodeError:
                raise WorkerError(
                    f"ERR ONNX STRING tensors hold UTF-8 text: element {index} of an input is not UTF-8"
                ) from None
        text.append(value)
    return np.array(text, dtype=object).reshape(array.shape)
