"""``DatasetConverter``: describe a Dataset's tensors as xarray variables, and build them back.

The description is plain STRING metadata in the dataset, so it travels with the dataset and is
byte-identical to what SmartRedis 0.6.1 writes (smartredis-wire.md §5):

* ``_xarray_data_names``: one value per described variable (its tensor name);
* ``_xarray_<var>_dim_names``, ``_xarray_<var>_coord_names``, ``_xarray_<var>_attr_names``: the
  comma-joined names, or ``"null"`` when the argument was None.

A dim or attr name is itself the name of a metadata field: its first string value is the
dimension name or the attribute value. A coordinate is a variable that is also described (its
tensor, dims and attrs are read the same way). xarray is needed only to build the arrays.
"""

from __future__ import annotations

from itertools import permutations
from typing import Any

from .dataset import Dataset
from .error import RedisRuntimeError

DATA_NAMES_FIELD = "_xarray_data_names"
_NO_NAMES = "null"
_XARRAY_MISSING = "Optional package xarray must be installed; Consider running `pip install xarray`"


def _typecheck(value: object, name: str, expected: type) -> None:
    # SmartRedis' util.typecheck wording, so both clients raise the same TypeError text.
    if not isinstance(value, expected):
        raise TypeError(f"Argument {name} is of type {type(value)}, not {expected}")


def _typecheck_names(names: object, list_name: str, item_name: str) -> None:
    _typecheck(names, list_name, list)
    assert isinstance(names, list)
    for name in names:
        _typecheck(name, item_name, str)


def _field(variable: str, kind: str) -> str:
    return f"_xarray_{variable}_{kind}_names"


def _listed_names(dataset: Dataset, variable: str, kind: str) -> list[str]:
    """The names recorded for ``variable``; ``"null"`` (None given) and ``""`` ([] given) mean none.

    SmartRedis reads ``"null"`` as a field name and fails on it; reading it as "no names" accepts
    everything SmartRedis accepts and also datasets described without coordinates or attributes.
    """
    joined = dataset.get_meta_strings(_field(variable, kind))[0]
    return [] if joined in (_NO_NAMES, "") else joined.split(",")


def _first_strings(dataset: Dataset, fields: list[str]) -> list[str]:
    return [dataset.get_meta_strings(field)[0] for field in fields]


class DatasetConverter:
    """Static helpers that annotate a Dataset for xarray and turn it into ``xarray.DataArray``s."""

    @staticmethod
    def add_metadata_for_xarray(
        dataset: Dataset,
        data_names: list[str] | str,
        dim_names: list[str] | str,
        coord_names: list[str] | str | None = None,
        attr_names: list[str] | str | None = None,
    ) -> None:
        """Record, for each tensor in ``data_names``, which metadata fields hold its dimension
        names and attributes and which described tensors are its coordinates."""
        if isinstance(data_names, str):
            data_names = [data_names]
        if isinstance(dim_names, str):
            dim_names = [dim_names]
        if isinstance(coord_names, str):
            coord_names = [coord_names]
        if isinstance(attr_names, str):
            attr_names = [attr_names]

        _typecheck(dataset, "dataset", Dataset)
        _typecheck_names(data_names, "data_names", "data_name")
        _typecheck_names(dim_names, "dim_names", "dim_name")
        # As in SmartRedis, an empty (falsy) coord/attr argument is not checked: [] is recorded
        # as "" and anything else falsy as "null".
        if coord_names:
            _typecheck_names(coord_names, "coord_names", "coord_name")
        if attr_names:
            _typecheck_names(attr_names, "attr_names", "attr_name")

        described = {"dim": dim_names, "coord": coord_names, "attr": attr_names}
        for name in data_names:
            dataset.add_meta_string(DATA_NAMES_FIELD, name)
            for kind, names in described.items():
                joined = ",".join(names) if isinstance(names, list) else _NO_NAMES
                dataset.add_meta_string(_field(name, kind), joined)

    @staticmethod
    def transform_to_xarray(dataset: Dataset) -> dict[str, Any]:
        """One ``xarray.DataArray`` per described variable that is not another's coordinate,
        keyed by its name. Raises RedisRuntimeError naming ``pip install xarray`` without xarray."""
        try:
            import xarray  # type: ignore[import-not-found,unused-ignore]  # optional
        except ImportError as err:
            raise RedisRuntimeError(_XARRAY_MISSING) from err
        _typecheck(dataset, "dataset", Dataset)

        variables = dataset.get_meta_strings(DATA_NAMES_FIELD)
        coords: dict[str, dict[str, tuple[list[str], Any, dict[str, str]]]] = {}
        for variable, candidate in permutations(list(variables), 2):
            if candidate not in _listed_names(dataset, variable, "coord"):
                continue
            if candidate in variables:
                variables.remove(candidate)
            attr_fields = _listed_names(dataset, candidate, "attr")
            coords.setdefault(variable, {})[candidate] = (
                _first_strings(dataset, _listed_names(dataset, candidate, "dim")),
                dataset.get_tensor(candidate),
                dict(zip(attr_fields, _first_strings(dataset, attr_fields), strict=True)),
            )

        arrays: dict[str, Any] = {}
        for variable in variables:
            attr_fields = _listed_names(dataset, variable, "attr")
            arrays[variable] = xarray.DataArray(
                name=variable,
                data=dataset.get_tensor(variable),
                coords=coords.get(variable),
                dims=_first_strings(dataset, _listed_names(dataset, variable, "dim")),
                attrs=dict(zip(attr_fields, _first_strings(dataset, attr_fields), strict=True)),
            )
        return arrays
