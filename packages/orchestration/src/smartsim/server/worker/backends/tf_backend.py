"""TF backend: frozen TensorFlow graphs (GraphDef protobuf bytes) with named inputs and outputs.

As in RedisAI, the caller's input tensors are fed, in order, to the Placeholder operations named
at store time (``AI.MODELSTORE ... INPUTS``), and output ``i`` is output 0 of the operation named
``OUTPUTS[i]``. The graph runs in a TF1-style session pinned to the model's device.
STRING tensors are numpy arrays of ``bytes`` objects both ways, which TensorFlow takes and gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..batching import run_batched
from ..protocol import Request, WorkerError
from . import import_quietly

tf: Any = import_quietly("tensorflow")

GPU_MISSING_ERROR = "ERR GPU requested but TF couldn't find CUDA"
INPUT_COUNT_ERROR = "Number of keys given as INPUTS here does not match model definition"
OUTPUT_COUNT_ERROR = "Number of keys given as OUTPUTS here does not match model definition"


def tf_device(device: str) -> str:
    """``CPU``, ``CPU:n``, ``GPU``, ``GPU:n`` as a TensorFlow device name (GPU must be visible)."""
    name = device.upper()
    if not name.startswith("GPU"):
        return "/device:CPU:0"
    index = int(name.split(":", 1)[1]) if ":" in name else 0
    if index >= len(tf.config.list_physical_devices("GPU")):
        raise WorkerError(GPU_MISSING_ERROR)
    return f"/device:GPU:{index}"


def _short(error: BaseException) -> str:
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    return " ".join(str(message).split())


def parse_graph(blob: bytes) -> Any:
    graph_def = tf.compat.v1.GraphDef()
    try:
        graph_def.ParseFromString(blob)
    except Exception as error:
        raise WorkerError("Invalid GraphDef") from error
    if not graph_def.node:
        raise WorkerError("Invalid GraphDef")
    return graph_def


def _operation(graph: Any, name: str) -> Any:
    """The operation ``name`` (a tensor name ``op:0`` is accepted too), or None."""
    try:
        return graph.get_operation_by_name(name.rsplit(":", 1)[0] if ":" in name else name)
    except (KeyError, ValueError):
        return None


class TFModel:
    def __init__(
        self,
        blob: bytes,
        device: str,
        inputs: Sequence[str],
        outputs: Sequence[str],
        intra_op: int = 0,
        inter_op: int = 0,
    ) -> None:
        if not inputs or not outputs:
            raise WorkerError("ERR TF models need INPUTS and OUTPUTS names")
        graph_def = parse_graph(blob)
        placement = tf_device(device)
        self.graph = tf.Graph()
        with self.graph.as_default(), tf.device(placement):
            try:
                tf.compat.v1.import_graph_def(graph_def, name="")
            except Exception as error:
                raise WorkerError(_short(error)) from error
        feeds = []
        for name in inputs:
            op = _operation(self.graph, name)
            if op is None or op.type != "Placeholder":
                raise WorkerError(f'ERR Input node named "{name}" not found in TF graph.')
            feeds.append(op.outputs[0])
        fetches = []
        for name in outputs:
            op = _operation(self.graph, name)
            if op is None or not op.outputs:
                raise WorkerError(f'ERR Output node named "{name}" not found in TF graph')
            fetches.append(op.outputs[0])
        self.input_dtypes = [np.dtype(t.dtype.as_numpy_dtype) for t in feeds]
        self.noutputs = len(fetches)
        config = tf.compat.v1.ConfigProto(
            intra_op_parallelism_threads=max(intra_op, 0),
            inter_op_parallelism_threads=max(inter_op, 0),
            allow_soft_placement=True,
        )
        # Several workers may share a GPU: take memory as needed, not all of it up front.
        config.gpu_options.allow_growth = True
        self.session = tf.compat.v1.Session(graph=self.graph, config=config)
        # A callable skips the per-call feed/fetch resolution of Session.run.
        self._call = self.session.make_callable(fetches, feed_list=feeds)

    def _check_dtypes(self, inputs: Sequence[np.ndarray]) -> None:
        for index, (array, expected) in enumerate(zip(inputs, self.input_dtypes, strict=True)):
            if array.dtype == expected or (expected.kind in "SUO" and array.dtype.kind in "SUO"):
                continue
            raise WorkerError(
                f"Expects arg[{index}] to be {_tf_name(expected)} but {_tf_name(array.dtype)} is provided"
            )

    def _execute(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        try:
            results = self._call(*inputs)
        except Exception as error:
            raise WorkerError(_short(error)) from error
        return [np.asarray(value) for value in results]

    def run(self, requests: Sequence[Request]) -> list[list[np.ndarray]]:
        for request in requests:
            if len(request.inputs) != len(self.input_dtypes):
                raise WorkerError(INPUT_COUNT_ERROR)
            if request.noutputs != self.noutputs:
                raise WorkerError(OUTPUT_COUNT_ERROR)
            self._check_dtypes(request.inputs)
        return run_batched(self._execute, [r.inputs for r in requests])

    def close(self) -> None:
        self.session.close()


def _tf_name(dtype: np.dtype[Any]) -> str:
    """TensorFlow's name of a numpy dtype (``float``, ``double``, ``int32``, ``string``)."""
    try:
        return str(tf.as_dtype(dtype).name).replace("float32", "float").replace("float64", "double")
    except TypeError:
        return str(dtype)
