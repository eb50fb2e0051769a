"""TF models (frozen Keras graphs) run end to end by the worker: raw commands, our client, the real
SmartRedis 0.6.1 client standalone and in a cluster, batching, STRING tensors, errors."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import redis

from cluster_support import RunningCluster
from compat.real_client import RealClient, decode_array, put_tensor_op, real_client_python
from compat.workers import running_workers

from .conftest import Supervisor, execute_concurrently, wait_for
from .test_torch import get, put

__all__ = ["real_client_python"]

tf = pytest.importorskip("tensorflow", reason="the TF backend needs tensorflow (pip install smartsim[tf])")

from smartsim.ml.tf import freeze_model, serialize_model  # noqa: E402 - after the skip


@pytest.fixture(scope="module")
def dense() -> tuple[Any, bytes, list[str], list[str]]:
    """A Keras model with one Dense layer, and its frozen graph with input/output names."""
    tf.keras.utils.set_random_seed(3)
    inputs = tf.keras.Input((4,))
    model = tf.keras.Model(inputs, tf.keras.layers.Dense(3, activation="tanh")(inputs))
    blob, input_names, output_names = serialize_model(model)
    return model, blob, input_names, output_names


@pytest.fixture(scope="module")
def add_sub() -> tuple[bytes, list[str], list[str]]:
    """Two inputs ``a``, ``b`` and two outputs ``a + b``, ``a - b``."""
    a = tf.keras.Input((3,), name="a")
    b = tf.keras.Input((3,), name="b")
    model = tf.keras.Model([a, b], [tf.keras.layers.Add()([a, b]), tf.keras.layers.Subtract()([a, b])])
    return serialize_model(model)


def expected(model: Any, x: np.ndarray) -> np.ndarray:
    return np.asarray(model(x))


def store(conn: Any, key: str, blob: bytes, inputs: list[str], outputs: list[str], *options: Any) -> None:
    conn.execute_command(
        "AI.MODELSTORE", key, "TF", "CPU", *options, "INPUTS", len(inputs), *inputs,
        "OUTPUTS", len(outputs), *outputs, "BLOB", blob,
    )  # fmt: skip


def test_keras_model_runs(ai_server: Any, cpu_worker: Supervisor, dense: Any) -> None:
    model, blob, inputs, outputs = dense
    conn = ai_server.client()
    store(conn, "m", blob, inputs, outputs)
    x = np.linspace(-1, 1, 8, dtype=np.float32).reshape(2, 4)
    put(conn, "x", x)
    conn.execute_command("AI.MODELEXECUTE", "m", "INPUTS", 1, "x", "OUTPUTS", 1, "y")
    np.testing.assert_allclose(get(conn, "y"), expected(model, x), rtol=1e-5)
    # Another batch size runs on the same loaded graph.
    x5 = np.linspace(-2, 2, 20, dtype=np.float32).reshape(5, 4)
    put(conn, "x", x5)
    conn.execute_command("AI.MODELRUN", "m", "INPUTS", "x", "OUTPUTS", "y")
    np.testing.assert_allclose(get(conn, "y"), expected(model, x5), rtol=1e-5)


def test_tensorflow_is_loaded_at_the_first_tf_model(
    ai_server: Any, supervisor: Supervisor, dense: Any
) -> None:
    """Workers register TF without importing it: the import (seconds, ~0.5 GB) waits for a TF run."""
    supervisor.start(backends=["TORCH", "TF"])
    wait_for(supervisor.worker_pids, what="the worker's log")
    maps = Path(f"/proc/{supervisor.worker_pids()[-1]}/maps")
    assert "/tensorflow/" not in maps.read_text()
    model, blob, inputs, outputs = dense
    conn = ai_server.client()
    store(conn, "m", blob, inputs, outputs)
    put(conn, "x", np.ones((1, 4), dtype=np.float32))
    conn.execute_command("AI.MODELEXECUTE", "m", "INPUTS", 1, "x", "OUTPUTS", 1, "y")
    assert "/tensorflow/" in maps.read_text()
    np.testing.assert_allclose(get(conn, "y"), expected(model, np.ones((1, 4), dtype=np.float32)), rtol=1e-5)
    # TensorFlow's start-up chatter stays out of the worker's log.
    assert "absl::InitializeLog" not in supervisor.logs() and "oneDNN" not in supervisor.logs()


def test_inputs_and_outputs_follow_the_stored_names(
    ai_server: Any, cpu_worker: Supervisor, add_sub: Any
) -> None:
    blob, inputs, outputs = add_sub
    assert inputs == ["a", "b"] and len(outputs) == 2
    conn = ai_server.client()
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.full((2, 3), 3, dtype=np.float32)
    put(conn, "a", a)
    put(conn, "b", b)
    store(conn, "m", blob, inputs, outputs)
    conn.execute_command("AI.MODELEXECUTE", "m", "INPUTS", 2, "a", "b", "OUTPUTS", 2, "s", "d")
    np.testing.assert_array_equal(get(conn, "s"), a + b)
    np.testing.assert_array_equal(get(conn, "d"), a - b)
    # Caller's tensors go to the INPUTS names in their stored order, outputs come from the
    # OUTPUTS names in theirs: this store swaps both.
    store(conn, "swapped", blob, ["b", "a"], [outputs[1], outputs[0]])
    conn.execute_command("AI.MODELEXECUTE", "swapped", "INPUTS", 2, "a", "b", "OUTPUTS", 2, "d", "s")
    np.testing.assert_array_equal(get(conn, "d"), b - a)
    np.testing.assert_array_equal(get(conn, "s"), a + b)


def test_model_inside_a_dag(ai_server: Any, cpu_worker: Supervisor, add_sub: Any) -> None:
    blob, inputs, outputs = add_sub
    conn = ai_server.client()
    store(conn, "m", blob, inputs, outputs)
    a = np.arange(3, dtype=np.float32).reshape(1, 3)
    put(conn, "a", a)
    conn.execute_command(
        "AI.DAGEXECUTE", "LOAD", 1, "a", "PERSIST", 1, "d", "|>",
        "AI.MODELEXECUTE", "m", "INPUTS", 2, "a", "a", "OUTPUTS", 2, "s", "tmp", "|>",
        "AI.MODELEXECUTE", "m", "INPUTS", 2, "s", "a", "OUTPUTS", 2, "s2", "d",
    )  # fmt: skip
    np.testing.assert_array_equal(get(conn, "d"), a)  # (a + a) - a
    assert conn.exists("s", "tmp", "s2") == 0


def test_errors_name_what_was_wrong(ai_server: Any, cpu_worker: Supervisor, add_sub: Any) -> None:
    blob, inputs, outputs = add_sub
    conn = ai_server.client()
    put(conn, "a", np.ones((2, 3), dtype=np.float32))
    put(conn, "d", np.ones((2, 3), dtype=np.float64))
    put(conn, "wide", np.ones((2, 5), dtype=np.float32))
    run = ("INPUTS", 2, "a", "a", "OUTPUTS", 2, "s", "d")

    store(conn, "bad_input", blob, ["a", "nope"], outputs)
    with pytest.raises(redis.ResponseError, match='Input node named "nope" not found in TF graph'):
        conn.execute_command("AI.MODELEXECUTE", "bad_input", *run)
    store(conn, "not_placeholder", blob, ["a", outputs[0]], outputs)
    with pytest.raises(redis.ResponseError, match=f'Input node named "{outputs[0]}" not found'):
        conn.execute_command("AI.MODELEXECUTE", "not_placeholder", *run)
    store(conn, "bad_output", blob, inputs, [outputs[0], "mult"])
    with pytest.raises(redis.ResponseError, match='Output node named "mult" not found in TF graph'):
        conn.execute_command("AI.MODELEXECUTE", "bad_output", *run)
    store(conn, "garbage", b"\x08\x01not a graph at all", inputs, outputs)
    with pytest.raises(redis.ResponseError, match="Invalid GraphDef"):
        conn.execute_command("AI.MODELEXECUTE", "garbage", *run)

    store(conn, "m", blob, inputs, outputs)
    with pytest.raises(redis.ResponseError, match="Expects arg\\[1\\] to be float but double is provided"):
        conn.execute_command("AI.MODELEXECUTE", "m", "INPUTS", 2, "a", "d", "OUTPUTS", 2, "s", "d")
    with pytest.raises(redis.ResponseError, match=r"Incompatible shapes|shape"):
        conn.execute_command("AI.MODELEXECUTE", "m", "INPUTS", 2, "a", "wide", "OUTPUTS", 2, "s", "d")
    # The module checks counts against the stored names, as RedisAI does.
    with pytest.raises(redis.ResponseError, match="INPUTS here does not match model definition"):
        conn.execute_command("AI.MODELEXECUTE", "m", "INPUTS", 1, "a", "OUTPUTS", 2, "s", "d")
    # The worker survives every failure.
    conn.execute_command("AI.MODELEXECUTE", "m", *run)
    np.testing.assert_array_equal(get(conn, "s"), np.full((2, 3), 2, dtype=np.float32))


def test_a_second_cpu_queue(ai_server: Any, supervisor: Supervisor, add_sub: Any) -> None:
    supervisor.start(device="CPU:1", backends=["TF"])
    blob, inputs, outputs = add_sub
    conn = ai_server.client()
    put(conn, "a", np.ones((1, 3), dtype=np.float32))
    conn.execute_command(
        "AI.MODELSTORE", "g", "TF", "CPU:1", "INPUTS", 2, *inputs, "OUTPUTS", 2, *outputs, "BLOB", blob
    )
    conn.execute_command("AI.MODELEXECUTE", "g", "INPUTS", 2, "a", "a", "OUTPUTS", 2, "s", "d")
    np.testing.assert_array_equal(get(conn, "s"), np.full((1, 3), 2, dtype=np.float32))


def test_gpu_without_cuda_is_refused(add_sub: Any) -> None:
    from smartsim.server.worker.backends.tf_backend import GPU_MISSING_ERROR, TFModel
    from smartsim.server.worker.protocol import WorkerError

    if tf.config.list_physical_devices("GPU"):
        pytest.skip("TensorFlow sees a GPU")
    blob, inputs, outputs = add_sub
    with pytest.raises(WorkerError, match=GPU_MISSING_ERROR):
        TFModel(blob, "GPU:0", inputs, outputs)


def test_batched_runs_equal_unbatched(ai_server: Any, cpu_worker: Supervisor, dense: Any) -> None:
    _, blob, inputs, outputs = dense
    conn = ai_server.client()
    store(conn, "single", blob, inputs, outputs)
    store(conn, "batched", blob, inputs, outputs, "BATCHSIZE", 8, "MINBATCHSIZE", 6, "MINBATCHTIMEOUT", 5000)
    rng = np.random.default_rng(7)
    arrays = [rng.standard_normal((n, 4)).astype(np.float32) for n in (1, 2, 3)]
    for i, array in enumerate(arrays):
        put(conn, f"x{i}", array)
        conn.execute_command("AI.MODELEXECUTE", "single", "INPUTS", 1, f"x{i}", "OUTPUTS", 1, f"one{i}")
    # MINBATCHSIZE 6 holds the requests back until all three (1 + 2 + 3 rows) are queued.
    execute_concurrently(
        ai_server,
        [
            ("AI.MODELEXECUTE", "batched", "INPUTS", 1, f"x{i}", "OUTPUTS", 1, f"many{i}")
            for i in range(len(arrays))
        ],
    )
    for i, array in enumerate(arrays):
        assert get(conn, f"many{i}").shape == (len(array), 3)
        np.testing.assert_allclose(get(conn, f"many{i}"), get(conn, f"one{i}"), rtol=1e-6, atol=1e-7)
    info = dict(zip(*[iter(conn.execute_command("AI.INFO", "batched"))] * 2, strict=True))
    assert info[b"calls"] == 3 and info[b"samples"] == 6


def test_string_tensors(ai_server: Any, cpu_worker: Supervisor) -> None:
    graph = tf.Graph()
    with graph.as_default():
        words = tf.compat.v1.placeholder(tf.string, shape=[None], name="words")
        tf.identity(tf.strings.upper(words), name="upper")
        tf.identity(tf.strings.length(words), name="lengths")
    blob = graph.as_graph_def().SerializeToString()
    conn = ai_server.client()
    store(conn, "s", blob, ["words"], ["upper", "lengths"])
    conn.execute_command("AI.TENSORSET", "w", "STRING", 3, "VALUES", "abc", "smart", "a b")
    conn.execute_command("AI.MODELEXECUTE", "s", "INPUTS", 1, "w", "OUTPUTS", 2, "u", "n")
    assert conn.execute_command("AI.TENSORGET", "u", "VALUES") == [b"ABC", b"SMART", b"A B"]
    assert conn.execute_command("AI.TENSORGET", "n", "VALUES") == [3, 5, 3]


def test_our_client_set_model_and_from_file(
    ai_server: Any, cpu_worker: Supervisor, dense: Any, tmp_path: Path
) -> None:
    from smartredis import Client

    model, blob, inputs, outputs = dense
    path, file_inputs, file_outputs = freeze_model(model, str(tmp_path), "dense.pb")
    assert (file_inputs, file_outputs) == (inputs, outputs)
    client = Client(cluster=False, address=f"{ai_server.host}:{ai_server.port}")
    x = np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4)
    client.put_tensor("x", x)
    client.set_model("mem", blob, "TF", "CPU", inputs=inputs, outputs=outputs)
    client.set_model_from_file("file", path, "TF", "CPU", inputs=file_inputs, outputs=file_outputs)
    client.run_model("mem", inputs=["x"], outputs=["y1"])
    client.run_model("file", inputs=["x"], outputs=["y2"])
    np.testing.assert_allclose(client.get_tensor("y1"), expected(model, x), rtol=1e-5)
    np.testing.assert_array_equal(client.get_tensor("y2"), client.get_tensor("y1"))


@pytest.mark.compat
def test_real_client_set_model_and_run_model(
    ai_server: Any, cpu_worker: Supervisor, real_client_python: Path, dense: Any
) -> None:
    model, blob, inputs, outputs = dense
    client = RealClient(real_client_python, f"{ai_server.host}:{ai_server.port}", "Standalone")
    x = np.linspace(-1, 1, 8, dtype=np.float32).reshape(2, 4)
    encoded = base64.b64encode(blob).decode()
    results = client.run(
        [
            put_tensor_op("x", x),
            {
                "op": "set_model",
                "name": "m",
                "model": encoded,
                "backend": "TF",
                "inputs": inputs,
                "outputs": outputs,
            },
            {"op": "run_model", "name": "m", "inputs": ["x"], "outputs": ["y"]},
            {"op": "get_tensor", "name": "y"},
            {"op": "get_model", "name": "m"},
        ]
    )
    np.testing.assert_allclose(decode_array(results[3]), expected(model, x), rtol=1e-5)
    assert results[4] == encoded


@pytest.fixture
def tf_cluster(tmp_path: Path) -> Iterator[RunningCluster]:
    """A 3-shard cluster with a TF worker on every shard."""
    cluster = RunningCluster(tmp_path / "cluster")
    try:
        with running_workers(cluster.addresses, tmp_path / "workers", backends=["TF"]):
            yield cluster
    finally:
        cluster.stop()


@pytest.mark.compat
def test_real_client_run_model_in_cluster(
    tf_cluster: RunningCluster, real_client_python: Path, dense: Any
) -> None:
    """SmartRedis stores the model once per shard (under ``{S}.`` prefixes) and runs it on the
    shard of a staging copy of the inputs: the worker must find each copy's names."""
    model, blob, inputs, outputs = dense
    client = RealClient(real_client_python, tf_cluster.addresses[1], "Clustered")
    x = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)
    results = client.run(
        [
            put_tensor_op("x", x),
            {
                "op": "set_model",
                "name": "m",
                "model": base64.b64encode(blob).decode(),
                "backend": "TF",
                "inputs": inputs,
                "outputs": outputs,
            },
            {"op": "run_model", "name": "m", "inputs": ["x"], "outputs": ["y"]},
            {"op": "get_tensor", "name": "y"},
        ]
    )
    np.testing.assert_allclose(decode_array(results[3]), expected(model, x), rtol=1e-5)
