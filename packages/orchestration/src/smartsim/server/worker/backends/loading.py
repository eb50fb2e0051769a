"""The one place that turns a stored model into a loaded backend model.

Frameworks are imported here, at the first model of their backend, never at worker start
(TensorFlow alone costs seconds and about half a gigabyte).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..protocol import Request, WorkerError


@dataclass(frozen=True)
class Threads:
    """Framework thread pools of a worker (0: the framework's default)."""

    intra_op: int = 0
    inter_op: int = 0


def build_model(
    backend: str,
    device: str,
    blob: bytes,
    inputs: Sequence[str] = (),
    outputs: Sequence[str] = (),
    threads: Threads = Threads(),
) -> Any:
    """A loaded model of ``backend`` on ``device``; ``inputs``/``outputs`` are the stored names (TF)."""
    try:
        if backend == "TORCH":
            from .torch_backend import TorchModel

            return TorchModel(blob, device)
        if backend == "ONNX":
            from .onnx_backend import OnnxModel

            return OnnxModel(blob, device, threads.intra_op, threads.inter_op)
        if backend == "TF":
            from .tf_backend import TFModel

            return TFModel(blob, device, list(inputs), list(outputs), threads.intra_op, threads.inter_op)
        if backend == "TFLITE":
            from .tflite_backend import TFLiteModel

            return TFLiteModel(blob, device, threads.intra_op)
    except ImportError as error:
        raise WorkerError(f"ERR backend {backend} is not available in this worker ({error})") from error
    raise WorkerError(f"ERR backend {backend} is not supported by this worker")


def run_model(model: Any, backend: str, requests: Sequence[Request]) -> list[list[np.ndarray]]:
    """Outputs per request of a model built by :func:`build_model`."""
    if backend == "ONNX":
        result: list[list[np.ndarray]] = model.run(requests, requests[0].noutputs)
    else:
        result = model.run(requests)
    return result
