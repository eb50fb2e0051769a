"""``smartsim.ml.tf``: freeze a Keras model into a graph the TF backend can run.

TensorFlow is an optional dependency (``pip install smartsim[tf]``); importing this module works
without it, and the functions say what to install when it is missing.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

_MISSING_TF = "TensorFlow is not installed: install the TF extra with `pip install smartsim[tf]`"


def _frozen_function(model: Any) -> Any:
    try:
        import tensorflow as tf
        from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2
    except ImportError as err:
        raise ModuleNotFoundError(_MISSING_TF) from err
    tf.get_logger().setLevel(logging.ERROR)
    inputs = getattr(model, "inputs", None)
    if not inputs:
        raise ValueError(
            f"cannot freeze {type(model).__name__}: it has no inputs; "
            "build it on keras.Input tensors (a functional keras.Model) first"
        )
    if len(inputs) == 1:
        # One input keeps SmartSim's graph: a Placeholder named "x" (the function's argument).
        function = tf.function(lambda x: model(x))
        concrete = function.get_concrete_function(tf.TensorSpec(inputs[0].shape, inputs[0].dtype))
    else:
        # Several inputs: one Placeholder per Keras input, named after it, in model.inputs order.
        function = tf.function(lambda *xs: model(list(xs)))
        specs = [tf.TensorSpec(t.shape, t.dtype, name=_names([t])[0]) for t in inputs]
        concrete = function.get_concrete_function(*specs)
    return convert_variables_to_constants_v2(concrete)


def _names(tensors: Any) -> list[str]:
    return [tensor.name.split(":")[0] for tensor in tensors]


def freeze_model(model: Any, output_dir: str, file_name: str) -> tuple[str, list[str], list[str]]:
    """Write the frozen graph of a Keras ``model`` to ``output_dir/file_name``.

    Returns the file's absolute path and the graph's input and output node names, which
    ``add_ml_model(..., inputs=..., outputs=...)`` and ``set_model`` need for the TF backend.
    """
    frozen = _frozen_function(model)
    import tensorflow as tf

    tf.io.write_graph(graph_or_graph_def=frozen.graph, logdir=output_dir, name=file_name, as_text=False)
    return str(Path(output_dir, file_name).resolve()), _names(frozen.inputs), _names(frozen.outputs)


def serialize_model(model: Any) -> tuple[bytes, list[str], list[str]]:
    """The frozen graph of a Keras ``model`` as bytes, with its input and output node names."""
    frozen = _frozen_function(model)
    return frozen.graph.as_graph_def().SerializeToString(), _names(frozen.inputs), _names(frozen.outputs)
