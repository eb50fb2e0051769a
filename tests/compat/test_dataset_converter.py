"""``DatasetConverter`` matches SmartRedis 0.6.1: the same metadata bytes in the server, the
same errors for bad arguments, and datasets described by either client become the same
``xarray.DataArray`` objects (when xarray is installed)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from compat.real_client import RUNNER, DatasetSpec, RealClient
from smartredis import Client, Dataset, DatasetConverter, RedisRuntimeError

pytestmark = pytest.mark.compat

CONVERTER_RUNNER = RUNNER.with_name("real_converter_runner.py")

# Each case: the tensors of the dataset and the add_metadata_for_xarray calls made on it.
METADATA_CASES: dict[str, list[dict[str, Any]]] = {
    "strings": [{"data_names": "x", "dim_names": "dim_x"}],
    "lists": [
        {
            "data_names": ["t", "u"],
            "dim_names": ["dim_x", "dim_y"],
            "coord_names": ["x", "y"],
            "attr_names": ["units", "long_name"],
        }
    ],
    "empty coords, no attrs": [{"data_names": ["t"], "dim_names": ["dim_x"], "coord_names": []}],
    "several calls": [
        {"data_names": "t", "dim_names": ["dim_x"], "coord_names": "x", "attr_names": "units"},
        {"data_names": "x", "dim_names": "dim_x", "attr_names": ["x_units"]},
    ],
}
BAD_CALLS: list[dict[str, Any]] = [
    {"data_names": 3, "dim_names": "d"},
    {"data_names": ["t", 3], "dim_names": "d"},
    {"data_names": "t", "dim_names": None},
    {"data_names": "t", "dim_names": "d", "coord_names": [1]},
    {"data_names": "t", "dim_names": "d", "attr_names": 5},
    {"data_names": "t", "dim_names": "d", "coord_names": 0},  # falsy: not checked, recorded as "null"
]


def _run_real_converter(
    python: Path, ssdb: str, dataset: DatasetSpec, calls: list[dict[str, Any]], put: bool
) -> list[dict[str, Any]]:
    env = RealClient(python, ssdb).env
    completed = subprocess.run(
        [str(python), str(CONVERTER_RUNNER)],
        input=json.dumps({"dataset": dataset.to_json(), "calls": calls, "put": put}),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0 and completed.stdout, completed.stderr[-4000:]
    results: list[dict[str, Any]] = json.loads(completed.stdout)["results"]
    return results


def _our_outcome(dataset: Dataset, call: Mapping[str, Any]) -> dict[str, Any]:
    try:
        DatasetConverter.add_metadata_for_xarray(dataset, **call)
    except Exception as err:
        return {"error": type(err).__name__, "message": str(err)}
    return {"ok": None}


def _tensors() -> list[tuple[str, np.ndarray]]:
    return [("t", np.arange(6, dtype=np.float64).reshape(2, 3)), ("x", np.arange(2, dtype=np.int32))]


@pytest.mark.parametrize("calls", list(METADATA_CASES.values()), ids=list(METADATA_CASES))
def test_metadata_bytes_match_the_real_client(
    calls: list[dict[str, Any]], real_client_python: Path, ai_server: Any, our_client: Client
) -> None:
    ssdb = f"{ai_server.host}:{ai_server.port}"
    theirs = _run_real_converter(real_client_python, ssdb, DatasetSpec("real_ds", _tensors()), calls, True)
    assert theirs == [{"ok": None}] * (len(calls) + 1)

    ours = Dataset("our_ds")
    for name, array in _tensors():
        ours.add_tensor(name, array)
    for call in calls:
        DatasetConverter.add_metadata_for_xarray(ours, **call)
    our_client.put_dataset(ours)

    raw = ai_server.client()
    written = raw.hgetall("{our_ds}.meta")
    assert written == raw.hgetall("{real_ds}.meta")
    assert any(field.startswith(b"_xarray_") for field in written)


def test_bad_arguments_raise_the_same_errors(real_client_python: Path, ai_server: Any) -> None:
    ssdb = f"{ai_server.host}:{ai_server.port}"
    for call in BAD_CALLS:
        [theirs] = _run_real_converter(real_client_python, ssdb, DatasetSpec("d"), [call], False)
        assert ("error" in theirs) == (call.get("coord_names") != 0), (call, theirs)
        assert _our_outcome(Dataset("d"), call) == theirs, call
    # A non-Dataset is refused by both with the same text (the class path is smartredis.dataset.Dataset).
    assert _our_outcome("not a dataset", {"data_names": "t", "dim_names": "d"}) == {  # type: ignore[arg-type]
        "error": "TypeError",
        "message": "Argument dataset is of type <class 'str'>, not <class 'smartredis.dataset.Dataset'>",
    }


def test_transform_without_xarray_names_the_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "xarray", None)  # makes `import xarray` raise ImportError
    with pytest.raises(RedisRuntimeError, match=r"pip install xarray"):
        DatasetConverter.transform_to_xarray(Dataset("d"))


# ---------------------------------------------------------------- transform_to_xarray


def _climate_dataset_spec(name: str) -> DatasetSpec:
    """Temperature on (x, y) with coordinates x and y, each with units and a long name."""
    return DatasetSpec(
        name,
        tensors=[
            ("temperature", np.arange(6, dtype=np.float64).reshape(2, 3)),
            ("x", np.array([0.0, 10.0])),
            ("y", np.array([1, 2, 3], dtype=np.int32)),
        ],
        strings=[
            ("dim_x", "x"),
            ("dim_y", "y"),
            ("units_kelvin", "K"),
            ("units_metre", "m"),
            ("name_temperature", "surface temperature"),
        ],
    )


CLIMATE_CALLS: list[dict[str, Any]] = [
    {
        "data_names": "temperature",
        "dim_names": ["dim_x", "dim_y"],
        "coord_names": ["x", "y"],
        "attr_names": ["units_kelvin", "name_temperature"],
    },
    {"data_names": "x", "dim_names": "dim_x", "coord_names": None, "attr_names": "units_metre"},
    {"data_names": "y", "dim_names": ["dim_y"], "coord_names": None, "attr_names": ["units_metre"]},
]


def _expected_temperature(xarray: Any) -> Any:
    return xarray.DataArray(
        np.arange(6, dtype=np.float64).reshape(2, 3),
        name="temperature",
        dims=["x", "y"],
        coords={
            "x": (["x"], np.array([0.0, 10.0]), {"units_metre": "m"}),
            "y": (["y"], np.array([1, 2, 3], dtype=np.int32), {"units_metre": "m"}),
        },
        attrs={"units_kelvin": "K", "name_temperature": "surface temperature"},
    )


def _check_transformed(arrays: dict[str, Any], xarray: Any) -> None:
    assert list(arrays) == ["temperature"]  # x and y became coordinates
    got = arrays["temperature"]
    xarray.testing.assert_identical(got, _expected_temperature(xarray))
    assert got.coords["x"].attrs == {"units_metre": "m"}


def test_transform_of_a_dataset_described_by_the_real_client(
    real_client_python: Path, ai_server: Any, our_client: Client
) -> None:
    xarray = pytest.importorskip("xarray", reason="transform_to_xarray needs xarray (pip install xarray)")
    ssdb = f"{ai_server.host}:{ai_server.port}"
    results = _run_real_converter(
        real_client_python, ssdb, _climate_dataset_spec("climate"), CLIMATE_CALLS, True
    )
    assert results == [{"ok": None}] * (len(CLIMATE_CALLS) + 1)
    _check_transformed(DatasetConverter.transform_to_xarray(our_client.get_dataset("climate")), xarray)


def test_transform_round_trips_through_the_server(our_client: Client) -> None:
    xarray = pytest.importorskip("xarray", reason="transform_to_xarray needs xarray (pip install xarray)")
    spec = _climate_dataset_spec("climate")
    dataset = Dataset(spec.name)
    for name, array in spec.tensors:
        dataset.add_tensor(name, array)
    for field, value in spec.strings:
        dataset.add_meta_string(field, value)
    for call in CLIMATE_CALLS:
        DatasetConverter.add_metadata_for_xarray(dataset, **call)
    our_client.put_dataset(dataset)
    _check_transformed(DatasetConverter.transform_to_xarray(our_client.get_dataset("climate")), xarray)


def test_transform_without_coordinates_or_attributes(our_client: Client) -> None:
    xarray = pytest.importorskip("xarray", reason="transform_to_xarray needs xarray (pip install xarray)")
    dataset = Dataset("plain")
    dataset.add_tensor("field", np.ones((2, 2), dtype=np.float32))
    dataset.add_meta_string("dim_r", "r")
    dataset.add_meta_string("dim_c", "c")
    DatasetConverter.add_metadata_for_xarray(dataset, "field", ["dim_r", "dim_c"])
    our_client.put_dataset(dataset)
    arrays = DatasetConverter.transform_to_xarray(our_client.get_dataset("plain"))
    xarray.testing.assert_identical(
        arrays["field"], xarray.DataArray(np.ones((2, 2), dtype=np.float32), name="field", dims=["r", "c"])
    )


def test_each_variable_gets_only_the_coordinates_it_names() -> None:
    xarray = pytest.importorskip("xarray", reason="transform_to_xarray needs xarray (pip install xarray)")
    dataset = Dataset("two")
    dataset.add_tensor("along_x", np.zeros(2))
    dataset.add_tensor("along_y", np.ones(3))
    dataset.add_tensor("x", np.array([0.0, 1.0]))
    dataset.add_tensor("y", np.array([5.0, 6.0, 7.0]))
    dataset.add_meta_string("dim_x", "x")
    dataset.add_meta_string("dim_y", "y")
    DatasetConverter.add_metadata_for_xarray(dataset, "along_x", "dim_x", "x")
    DatasetConverter.add_metadata_for_xarray(dataset, "along_y", "dim_y", "y")
    DatasetConverter.add_metadata_for_xarray(dataset, ["x"], ["dim_x"])
    DatasetConverter.add_metadata_for_xarray(dataset, ["y"], ["dim_y"])
    arrays = DatasetConverter.transform_to_xarray(dataset)
    assert sorted(arrays) == ["along_x", "along_y"]
    assert list(arrays["along_x"].coords) == ["x"]
    assert list(arrays["along_y"].coords) == ["y"]
    xarray.testing.assert_identical(
        arrays["along_y"],
        xarray.DataArray(np.ones(3), name="along_y", dims=["y"], coords={"y": (["y"], [5.0, 6.0, 7.0])}),
    )
