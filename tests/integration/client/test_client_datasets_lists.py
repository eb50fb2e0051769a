"""Datasets and aggregation lists through our client: keyspace layout and round trips."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from smartredis import Client, Dataset, RedisKeyError, RedisRuntimeError


@pytest.fixture
def env(ai_server: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("SSDB", f"{ai_server.host}:{ai_server.port}")
    monkeypatch.setenv("SR_DB_TYPE", "Standalone")
    return monkeypatch


def _dataset(name: str) -> Dataset:
    dataset = Dataset(name)
    dataset.add_tensor("u", np.arange(6, dtype=np.float32).reshape(2, 3))
    dataset.add_tensor("v", np.array([1, 2, 3], dtype=np.int64))
    dataset.add_meta_scalar("step", 7)
    dataset.add_meta_scalar("step", 8)
    dataset.add_meta_scalar("dt", 0.5)
    dataset.add_meta_string("units", "m/s")
    return dataset


def test_put_dataset_keyspace_layout(env: Any, ai_server: Any) -> None:
    Client().put_dataset(_dataset("ds"))
    raw = ai_server.client()
    assert sorted(raw.keys()) == [b"{ds}.meta", b"{ds}.u", b"{ds}.v"]
    assert raw.type("{ds}.meta") == b"hash"
    assert raw.type("{ds}.u") == b"AI_TENSOR"
    meta = raw.hgetall("{ds}.meta")
    assert meta[b".COMPLETE"] == b"1"
    assert meta[b"step"] == bytes.fromhex("04" + "0700000000000000" + "0800000000000000")
    assert meta[b".tensor_names"] == bytes.fromhex(
        "07" + "0100000000000000" + "75" + "0100000000000000" + "76"
    )
    assert (
        raw.execute_command("AI.TENSORGET", "{ds}.v", "BLOB") == np.array([1, 2, 3], dtype=np.int64).tobytes()
    )


def test_dataset_round_trip_and_operations(env: Any) -> None:
    client = Client()
    original = _dataset("ds")
    client.put_dataset(original)
    assert client.dataset_exists("ds") and client.poll_dataset("ds", 1, 1)
    back = client.get_dataset("ds")
    assert back.get_name() == "ds"
    assert back.get_tensor_names() == ["u", "v"]
    assert np.array_equal(back.get_tensor("u"), original.get_tensor("u"))
    assert list(back.get_meta_scalars("step")) == [7, 8]
    assert back.get_meta_strings("units") == ["m/s"]
    assert back.get_metadata_field_type("dt") is np.float64

    client.copy_dataset("ds", "copy")
    assert np.array_equal(client.get_dataset("copy").get_tensor("v"), np.array([1, 2, 3]))
    client.rename_dataset("copy", "moved")
    assert not client.dataset_exists("copy") and client.dataset_exists("moved")
    client.delete_dataset("moved")
    assert not client.dataset_exists("moved")

    with pytest.raises(RedisKeyError, match=r'The requested DataSet, "nope", does not exist\.'):
        client.get_dataset("nope")
    with pytest.raises(RedisRuntimeError, match=r"The requested DataSet nope does not exist\."):
        client.delete_dataset("nope")
    with pytest.raises(RedisRuntimeError, match="does not contain any fields or tensors"):
        client.put_dataset(Dataset("empty"))


def test_metadata_only_dataset(env: Any, ai_server: Any) -> None:
    client = Client()
    dataset = Dataset("m")
    dataset.add_meta_string("note", "no tensors")
    client.put_dataset(dataset)
    assert ai_server.client().hgetall("{m}.meta") == {
        b"note": bytes.fromhex("07" + "0a00000000000000") + b"no tensors",
        b".COMPLETE": b"1",
    }
    assert client.get_dataset("m").get_meta_strings("note") == ["no tensors"]


def test_aggregation_lists(env: Any, ai_server: Any) -> None:
    client = Client()
    for index in range(4):
        dataset = _dataset(f"ds{index}")
        client.put_dataset(dataset)
        client.append_to_list("results", dataset)
    raw = ai_server.client()
    assert raw.lrange("results", 0, -1) == [b"{ds0}", b"{ds1}", b"{ds2}", b"{ds3}"]
    assert client.get_list_length("results") == 4
    assert client.poll_list_length("results", 4, 1, 1)
    assert client.poll_list_length_gte("results", 3, 1, 1)
    assert not client.poll_list_length_lte("results", 3, 1, 2)
    datasets = client.get_datasets_from_list("results")
    assert [d.get_name() for d in datasets] == ["ds0", "ds1", "ds2", "ds3"]
    assert list(datasets[2].get_meta_scalars("step")) == [7, 8]
    assert [d.get_name() for d in client.get_dataset_list_range("results", -2, -1)] == ["ds2", "ds3"]

    client.copy_list("results", "copy")
    assert raw.lrange("copy", 0, -1) == raw.lrange("results", 0, -1)
    client.rename_list("copy", "renamed")
    assert not raw.exists("copy") and client.get_list_length("renamed") == 4
    client.rename_list("renamed", "renamed")
    assert client.get_list_length("renamed") == 4
    client.delete_list("renamed")
    assert client.get_list_length("renamed") == 0
    with pytest.raises(RedisRuntimeError, match=r"The source aggregation list does not exist\."):
        client.copy_list("missing", "x")
    with pytest.raises(ValueError, match="positive value"):
        client.poll_list_length("results", -1, 1, 1)
    assert client.get_datasets_from_list("missing") == []


def test_prefixes_for_datasets_and_lists(env: Any, ai_server: Any) -> None:
    env.setenv("SSKEYOUT", "producer")
    producer = Client()
    dataset = _dataset("ds")
    producer.put_dataset(dataset)
    producer.append_to_list("L", dataset)
    raw = ai_server.client()
    assert raw.exists("producer.{ds}.meta", "producer.{ds}.u", "producer.L") == 3
    assert raw.lrange("producer.L", 0, -1) == [b"producer.{ds}"]

    env.delenv("SSKEYOUT")
    env.setenv("SSKEYIN", "other,producer")
    consumer = Client()
    assert not consumer.dataset_exists("ds")  # the first SSKEYIN entry is the data source
    consumer.set_data_source("producer")
    assert consumer.dataset_exists("ds")
    assert [d.get_name() for d in consumer.get_datasets_from_list("L")] == ["ds"]
    with pytest.raises(RedisRuntimeError, match="data source nobody could not be found"):
        consumer.set_data_source("nobody")
    consumer.use_list_ensemble_prefix(False)
    assert consumer.get_list_length("L") == 0
    consumer.use_dataset_ensemble_prefix(False)
    assert not consumer.dataset_exists("ds")
