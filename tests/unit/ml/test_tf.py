"""``smartsim.ml.tf``: Keras models frozen into graphs with the names the TF backend needs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from smartsim.ml.tf import freeze_model, serialize_model


def test_missing_tensorflow_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # None in sys.modules makes ``import tensorflow`` fail as if it were not installed.
    monkeypatch.setitem(sys.modules, "tensorflow", None)
    with pytest.raises(ModuleNotFoundError, match=r"pip install smartsim\[tf\]"):
        serialize_model(object())
    with pytest.raises(ModuleNotFoundError, match=r"pip install smartsim\[tf\]"):
        freeze_model(object(), str(tmp_path), "m.pb")


@pytest.fixture(scope="module")
def tf() -> Any:
    return pytest.importorskip("tensorflow")


def run_graph(tf: Any, blob: bytes, inputs: list[str], outputs: list[str], *arrays: np.ndarray) -> list[Any]:
    """Run a frozen graph the way the TF backend does: feed Placeholders, fetch output 0."""
    graph_def = tf.compat.v1.GraphDef()
    graph_def.ParseFromString(blob)
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.import_graph_def(graph_def, name="")
    assert all(graph.get_operation_by_name(name).type == "Placeholder" for name in inputs)
    with tf.compat.v1.Session(graph=graph) as session:
        feeds = {graph.get_tensor_by_name(f"{n}:0"): a for n, a in zip(inputs, arrays, strict=True)}
        return list(session.run([f"{n}:0" for n in outputs], feeds))


def test_freeze_and_serialize_a_keras_model(tf: Any, tmp_path: Path) -> None:
    tf.keras.utils.set_random_seed(1)
    inputs = tf.keras.Input(shape=(4,), name="features")
    model = tf.keras.Model(inputs, tf.keras.layers.Dense(2, name="dense")(inputs))
    path, input_names, output_names = freeze_model(model, str(tmp_path), "m.pb")
    assert path == str((tmp_path / "m.pb").resolve())
    # SmartSim's names: the Placeholder is the traced function's argument, the output an Identity.
    assert (input_names, output_names) == (["x"], ["Identity"])
    blob, same_inputs, same_outputs = serialize_model(model)
    assert (same_inputs, same_outputs) == (input_names, output_names)
    x = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)
    for graph in (blob, Path(path).read_bytes()):
        [y] = run_graph(tf, graph, input_names, output_names, x)
        np.testing.assert_allclose(y, np.asarray(model(x)), rtol=1e-6)


def test_several_inputs_and_outputs_keep_the_keras_names(tf: Any) -> None:
    a = tf.keras.Input((3,), name="a")
    b = tf.keras.Input((3,), name="b")
    model = tf.keras.Model([a, b], [tf.keras.layers.Add()([a, b]), tf.keras.layers.Subtract()([a, b])])
    blob, inputs, outputs = serialize_model(model)
    assert inputs == ["a", "b"] and outputs == ["Identity", "Identity_1"]
    xa = np.arange(6, dtype=np.float32).reshape(2, 3)
    xb = np.full((2, 3), 2, dtype=np.float32)
    total, difference = run_graph(tf, blob, inputs, outputs, xa, xb)
    np.testing.assert_array_equal(total, xa + xb)
    np.testing.assert_array_equal(difference, xa - xb)


def test_subclassed_model_built_on_an_input(tf: Any) -> None:
    """The seed document's pattern: a keras.Model subclass called on keras.Input."""

    class Net(tf.keras.Model):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(name="cnn")
            self.conv = tf.keras.layers.Conv2D(1, 3, 1)

        def call(self, x: Any) -> Any:
            return self.conv(x)

    net = Net()
    inputs = tf.keras.Input((3, 3, 1))
    model = tf.keras.Model(inputs=inputs, outputs=net(inputs), name=net.name)
    blob, input_names, output_names = serialize_model(model)
    x = np.ones((2, 3, 3, 1), dtype=np.float32)
    [y] = run_graph(tf, blob, input_names, output_names, x)
    assert y.shape == (2, 1, 1, 1)
    np.testing.assert_allclose(y, np.asarray(model(x)), rtol=1e-6)


def test_model_without_inputs_is_refused(tf: Any) -> None:
    class Unbuilt(tf.keras.Model):  # type: ignore[misc]
        def call(self, x: Any) -> Any:
            return x

    with pytest.raises(ValueError, match="cannot freeze Unbuilt: it has no inputs"):
        serialize_model(Unbuilt())
