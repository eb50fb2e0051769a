"""Application code of the seed Model document, one function per example.

Launched by the driver as `python seed_app.py <example>`; each function holds the document's
snippet as written (with the names it leaves undefined filled in), so a failure shows as a
non-zero exit and a traceback in `<model>.err`.
"""

from __future__ import annotations

import sys

import numpy as np

from smartredis import Client, Dataset, LLInfo


def normalize(X):  # noqa: N803 - the document's function, as SmartSim's examples write it
    """Normalize a tensor (the TorchScript function the Script tabs store as "normalizer")."""
    mean = X.mean()
    std = X.std()
    return (X - mean) / std


# Enable and Disable ------------------------------------------------------------------------


def tensor_driver_prefixing(client: Client) -> None:
    # "two tensors named tensor_1 and tensor_2 are sent to the orchestrator"
    client.put_tensor("tensor_1", np.array([1, 2, 3, 4]))
    client.put_tensor("tensor_2", np.array([5, 6, 7, 8]))


def tensor_app_prefixing(client: Client) -> None:
    # Disable key prefixing
    client.use_tensor_ensemble_prefix(False)
    # Place a tensor in the orchestrator
    client.put_tensor("tensor_1", np.array([5, 6, 7, 8]))
    # Enable key prefixing
    client.use_tensor_ensemble_prefix(True)
    # Copy the tensor to a different tensor
    client.copy_tensor("tensor_1", "copied_tensor")


def dataset_driver_prefixing(client: Client) -> None:
    # "two datasets with data named dataset_1 and dataset_2 ... Each contain a unique tensor"
    for i in (1, 2):
        d = Dataset(f"dataset_{i}")
        d.add_tensor(f"dataset_tensor_{i}", np.array([i, i + 1]))
        client.put_dataset(d)


def dataset_app_prefixing(client: Client) -> None:
    # Disable key prefixing
    client.use_dataset_ensemble_prefix(False)
    # Build the dataset
    d = Dataset("dataset_1")
    d.add_tensor("dataset_tensor_1", np.array([5, 6, 7, 8]))
    # Place dataset in orchestrator
    client.put_dataset(d)
    # Enable key prefixing
    client.use_dataset_ensemble_prefix(True)
    # Copy the dataset to a different location with prefixing enabled
    # Fix: the document copies "test_dataset", a dataset it never stores; its stated result
    # (model_name.{copied_dataset}.dataset_tensor_1) is the copy of "dataset_1".
    client.copy_dataset("dataset_1", "copied_dataset")


def list_driver_prefixing(client: Client) -> None:
    # "a list with an attached dataset is sent to the orchestrator. The dataset is stored as well"
    d = Dataset("copied_dataset")
    d.add_tensor("dataset_tensor_1", np.array([1, 2, 3, 4]))
    client.put_dataset(d)
    client.append_to_list("dataset_list", d)


def list_app_prefixing(client: Client) -> None:
    # Disable list prefixing
    client.use_list_ensemble_prefix(False)
    # Build the dataset
    d = Dataset("dataset")
    d.add_tensor("dataset_tensor", np.array([1, 2, 3, 4]))
    # Place dataset in orchestrator
    client.put_dataset(d)
    # Create list, append dataset and store in orchestrator
    client.append_to_list("dataset_list", d)

    dataset_list = client.get_datasets_from_list("dataset_list")
    client.log_data(LLInfo, f"The dataset name is: {dataset_list[0].get_name()}")
    client.log_data(LLInfo, f"The dataset tensor name is: {dataset_list[0].get_tensor_names()[0]}")

    client.use_list_ensemble_prefix(True)
    client.copy_list("dataset_list", "dataset_list_copied")

    dataset_list_copy = client.get_datasets_from_list("model_name.dataset_list_copied")
    client.log_data(LLInfo, f"The copied dataset name is: {dataset_list_copy[0].get_name()}")
    client.log_data(
        LLInfo, f"The copied dataset tensor name is: {dataset_list_copy[0].get_tensor_names()[0]}"
    )


def ml_model_app_prefixing(client: Client) -> None:
    # The document's serialized_model/inputs/outputs come from a Keras model it does not show;
    # storing needs no ML runtime, so opaque bytes stand in for the serialized graph.
    serialized_model = b"serialized TF graph of mnist_cnn"
    inputs, outputs = ["x"], ["Identity"]
    # Enable ml model prefixing
    client.use_model_ensemble_prefix(True)
    # Send ML model to the orchestrator
    client.set_model("mnist_cnn", serialized_model, "TF", device="CPU", inputs=inputs, outputs=outputs)


def script_app_prefixing(client: Client) -> None:
    # Enable script prefixing
    client.use_model_ensemble_prefix(True)
    # Store prefixed script in the orchestrator
    client.set_function("normalizer", normalize)


# Interact -----------------------------------------------------------------------------------


def tensor_same_script(client: Client) -> None:
    client.put_tensor("tensor", np.array([1.0, 2.0]))
    assert client.tensor_exists("model_name.tensor")


def tensor_other_script(client: Client) -> None:
    client.set_data_source("model_name")
    assert client.tensor_exists("tensor")


def dataset_producer(client: Client) -> None:
    d = Dataset("dataset_name")
    d.add_tensor("dataset_tensor", np.array([1, 2, 3]))
    client.put_dataset(d)


def dataset_same_script(client: Client) -> None:
    dataset_producer(client)
    # The document's check, `client.tensor_exists("model_name.dataset_name")`, is false in
    # SmartRedis: no tensor has that key, and with SSKEYIN unset reads are not prefixed, so
    # `dataset_exists("model_name.dataset_name")` looks for "{model_name.dataset_name}.meta".
    # Print both so the test pins SmartRedis' answers, then poll the raw key (the fix).
    print(f"tensor_exists: {client.tensor_exists('model_name.dataset_name')}")
    print(f"dataset_exists: {client.dataset_exists('model_name.dataset_name')}")
    assert client.key_exists("model_name.{dataset_name}.meta")


def dataset_other_script(client: Client) -> None:
    # The document: "first set the key prefix ... by specifying "model_name" to set_data_source()"
    client.set_data_source("model_name")
    assert client.dataset_exists("dataset_name")


def list_same_script(client: Client) -> None:
    list_driver_prefixing(client)
    list_length = client.get_list_length("model_name.dataset_list")
    client.log_data(LLInfo, f"The list length is {list_length}.")


def list_other_script(client: Client) -> None:
    client.set_data_source("model_name")
    list_length = client.get_list_length("dataset_list")
    client.log_data(LLInfo, f"The list length is {list_length}.")


def script_producer(client: Client) -> None:
    client.use_model_ensemble_prefix(True)
    client.set_function("normalizer", normalize)
    client.put_tensor("X_rand", np.random.default_rng(0).random((4, 3), dtype=np.float32))


def script_same_script(client: Client) -> None:
    script_producer(client)
    client.run_script("model_name.normalizer", "normalize", inputs=["model_name.X_rand"], outputs=["X_norm"])


def script_other_script(client: Client) -> None:
    # Fix: model and script keys are not prefixed unless use_model_ensemble_prefix(True) (off by
    # default in SmartRedis); without it "normalizer" is looked up unprefixed.
    client.use_model_ensemble_prefix(True)
    client.set_data_source("model_name")
    client.run_script("normalizer", "normalize", inputs=["X_rand"], outputs=["X_norm"])


def ml_model_producer(client: Client) -> None:
    import tensorflow as tf

    from smartsim.ml.tf import serialize_model

    keras = tf.keras
    inputs = keras.Input((28, 28, 1))
    outputs = keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(inputs))
    model, inputs_, outputs_ = serialize_model(keras.Model(inputs=inputs, outputs=outputs, name="mnist"))
    client.use_model_ensemble_prefix(True)
    client.set_model("mnist_cnn", model, "TF", device="CPU", inputs=inputs_, outputs=outputs_)
    client.put_tensor("mnist_images", np.zeros((1, 28, 28, 1), dtype=np.float32))


def ml_model_same_script(client: Client) -> None:
    ml_model_producer(client)
    client.run_model(name="model_name.mnist_cnn", inputs=["model_name.mnist_images"], outputs=["Identity"])


def ml_model_other_script(client: Client) -> None:
    # Fix: as for scripts, model keys are prefixed only with use_model_ensemble_prefix(True).
    client.use_model_ensemble_prefix(True)
    client.set_data_source("model_name")
    client.run_model(name="mnist_cnn", inputs=["mnist_images"], outputs=["Identity"])


def main() -> None:
    example = globals()[sys.argv[1]]
    client = Client()
    example(client)
    print(f"{sys.argv[1]} done")


if __name__ == "__main__":
    main()
