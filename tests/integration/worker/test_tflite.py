"""TFLITE models (Keras models converted with TFLiteConverter) run end to end by the worker."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import redis

from compat.real_client import RealClient, decode_array, put_tensor_op, real_client_python

from .conftest import Supervisor
from .test_torch import get, put

__all__ = ["real_client_python"]

tf = pytest.importorskip("tensorflow", reason="the models of these tests are converted with tensorflow")
pytest.importorskip("ai_edge_litert", reason="the TFLITE backend needs ai-edge-litert (smartsim[tflite])")


def to_tflite(model: Any) -> bytes:
    return bytes(tf.lite.TFLiteConverter.from_keras_model(model).convert())


@pytest.fixture(scope="module")
def dense() -> tuple[Any, bytes]:
    tf.keras.utils.set_random_seed(5)
    inputs = tf.keras.Input((4,))
    model = tf.keras.Model(inputs, tf.keras.layers.Dense(2, activation="relu")(inputs))
    return model, to_tflite(model)


@pytest.fixture(scope="module")
def add_sub() -> bytes:
    a = tf.keras.Input((3,), name="a")
    b = tf.keras.Input((3,), name="b")
    return to_tflite(
        tf.keras.Model([a, b], [tf.keras.layers.Add()([a, b]), tf.keras.layers.Subtract()([a, b])])
    )


def interpreter_names(blob: bytes) -> tuple[list[str], list[str]]:
    """Input and output tensor names in the interpreter's order: the positions callers use."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=blob)
    return (
        [d["name"] for d in interpreter.get_input_details()],
        [d["name"] for d in interpreter.get_output_details()],
    )


def test_model_runs_and_resizes_for_the_batch_dim(ai_server: Any, cpu_worker: Supervisor, dense: Any) -> None:
    model, blob = dense
    conn = ai_server.client()
    conn.execute_command("AI.MODELSTORE", "m", "TFLITE", "CPU", "BLOB", blob)
    for rows in (1, 5, 2):
        x = np.linspace(-1, 1, rows * 4, dtype=np.float32).reshape(rows, 4)
        put(conn, "x", x)
        conn.execute_command("AI.MODELEXECUTE", "m", "INPUTS", 1, "x", "OUTPUTS", 1, "y")
        np.testing.assert_allclose(get(conn, "y"), np.asarray(model(x)), rtol=1e-5, atol=1e-6)
    # LiteRT's per-interpreter INFO line stays out of the worker's log.
    assert "XNNPACK" not in cpu_worker.logs()


def test_inputs_and_outputs_by_interpreter_position(
    ai_server: Any, cpu_worker: Supervisor, add_sub: bytes
) -> None:
    inputs, outputs = interpreter_names(add_sub)
    conn = ai_server.client()
    conn.execute_command("AI.MODELSTORE", "m", "TFLITE", "CPU", "BLOB", add_sub)
    values = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.full((2, 3), 4, dtype=np.float32)}
    # Feed each interpreter input the tensor its name says (the converter may reorder them).
    order = ["a" if name.endswith("_a:0") else "b" for name in inputs]
    assert sorted(order) == ["a", "b"]
    for name in order:
        put(conn, name, values[name])
    conn.execute_command("AI.MODELEXECUTE", "m", "INPUTS", 2, *order, "OUTPUTS", 2, "o0", "o1")
    results = [get(conn, "o0"), get(conn, "o1")]
    expected = {":0": values["a"] + values["b"], ":1": values["a"] - values["b"]}
    for name, result in zip(outputs, results, strict=True):
        np.testing.assert_array_equal(result, expected[name[-2:]])


def test_errors(ai_server: Any, cpu_worker: Supervisor, dense: Any) -> None:
    _, blob = dense
    conn = ai_server.client()
    conn.execute_command("AI.MODELSTORE", "m", "TFLITE", "CPU", "BLOB", blob)
    conn.execute_command("AI.MODELSTORE", "bad", "TFLITE", "CPU", "BLOB", b"not a flatbuffer")
    put(conn, "x", np.ones((2, 4), dtype=np.float32))
    put(conn, "d", np.ones((2, 4), dtype=np.float64))
    put(conn, "wide", np.ones((2, 7), dtype=np.float32))
    with pytest.raises(redis.ResponseError, match="Failed to load model from buffer"):
        conn.execute_command("AI.MODELEXECUTE", "bad", "INPUTS", 1, "x", "OUTPUTS", 1, "y")
    with pytest.raises(redis.ResponseError, match="INPUTS here does not match model definition"):
        conn.execute_command("AI.MODELEXECUTE", "m", "INPUTS", 2, "x", "x", "OUTPUTS", 1, "y")
    with pytest.raises(redis.ResponseError, match="OUTPUTS here does not match model definition"):
        conn.execute_command("AI.MODELEXECUTE", "m", "INPUTS", 1, "x", "OUTPUTS", 2, "y", "z")
    with pytest.raises(redis.ResponseError, match="Input tensor type doesn't match the type expected"):
        conn.execute_command("AI.MODELEXECUTE", "m", "INPUTS", 1, "d", "OUTPUTS", 1, "y")
    with pytest.raises(redis.ResponseError, match="failed to prepare"):
        conn.execute_command("AI.MODELEXECUTE", "m", "INPUTS", 1, "wide", "OUTPUTS", 1, "y")
    # The interpreter recovers from the bad shape.
    conn.execute_command("AI.MODELEXECUTE", "m", "INPUTS", 1, "x", "OUTPUTS", 1, "y")
    assert get(conn, "y").shape == (2, 2)


def test_our_client(ai_server: Any, cpu_worker: Supervisor, dense: Any, tmp_path: Path) -> None:
    from smartredis import Client

    model, blob = dense
    path = tmp_path / "dense.tflite"
    path.write_bytes(blob)
    client = Client(cluster=False, address=f"{ai_server.host}:{ai_server.port}")
    x = np.linspace(0, 2, 12, dtype=np.float32).reshape(3, 4)
    client.put_tensor("x", x)
    client.set_model_from_file("m", str(path), "TFLITE", "CPU")
    client.run_model("m", inputs=["x"], outputs=["y"])
    np.testing.assert_allclose(client.get_tensor("y"), np.asarray(model(x)), rtol=1e-5, atol=1e-6)


@pytest.mark.compat
def test_real_client_run_model(
    ai_server: Any, cpu_worker: Supervisor, real_client_python: Path, dense: Any
) -> None:
    model, blob = dense
    client = RealClient(real_client_python, f"{ai_server.host}:{ai_server.port}", "Standalone")
    x = np.linspace(-3, 3, 8, dtype=np.float32).reshape(2, 4)
    results = client.run(
        [
            put_tensor_op("x", x),
            {"op": "set_model", "name": "m", "model": base64.b64encode(blob).decode(), "backend": "TFLITE"},
            {"op": "run_model", "name": "m", "inputs": ["x"], "outputs": ["y"]},
            {"op": "get_tensor", "name": "y"},
        ]
    )
    np.testing.assert_allclose(decode_array(results[3]), np.asarray(model(x)), rtol=1e-5, atol=1e-6)
