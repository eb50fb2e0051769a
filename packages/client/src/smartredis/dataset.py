"""``Dataset``: named tensors plus metadata, stored and fetched as one unit (client-side value)."""

from __future__ import annotations

import numpy as np

from .error import RedisKeyError, RedisRuntimeError
from .logger import SRObject
from .metadata import SCALAR_DTYPES, MetaType, encode_scalars, encode_strings, scalar_type_of
from .tensor_types import wire_name_for


def _check_str(value: object, name: str) -> None:
    if not isinstance(value, str):
        raise TypeError(f"Argument {name} provided was of type {type(value)}, not <class 'str'>")


class Dataset(SRObject):
    """Tensors and metadata fields under one name.

    Metadata fields are lists: each ``add_meta_scalar``/``add_meta_string`` appends one value,
    and a field keeps the type of its first value.
    """

    def __init__(self, name: str) -> None:
        _check_str(name, "name")
        super().__init__(name)
        self._name = name
        self._tensors: dict[str, np.ndarray] = {}
        self._scalars: dict[str, tuple[MetaType, list[np.ndarray]]] = {}
        self._strings: dict[str, list[str]] = {}

    @property
    def name(self) -> str:
        return self._name

    def get_name(self) -> str:
        return self._name

    # Tensors ---------------------------------------------------------------------------------
    def add_tensor(self, name: str, data: np.ndarray) -> None:
        _check_str(name, "name")
        if not isinstance(data, np.ndarray):
            raise TypeError(f"Argument data provided was of type {type(data)}, not <class 'numpy.ndarray'>")
        wire_name_for(data.dtype)  # refuse unsupported dtypes now, not at put time
        if not name:
            raise RedisRuntimeError("A name must be provided for the tensor")
        if name in self._tensors:
            raise RedisRuntimeError(f"The tensor {name} already exists")
        # A row-major copy: the dataset must not change when the caller's array does.
        self._tensors[name] = np.array(data, order="C", copy=True)

    def _adopt_tensor(self, name: str, data: np.ndarray) -> None:
        """Add a tensor fetched from the database (already a private array)."""
        self._tensors[name] = data

    def get_tensor(self, name: str) -> np.ndarray:
        _check_str(name, "name")
        try:
            copy: np.ndarray = self._tensors[name].copy()
            return copy
        except KeyError:
            raise RedisKeyError(f"The tensor {name} does not exist in {self._name} dataset.") from None

    def get_tensor_names(self) -> list[str]:
        return list(self._tensors)

    def get_tensor_dims(self, name: str) -> list[int]:
        _check_str(name, "name")
        return list(self._tensor(name).shape)

    def get_tensor_type(self, name: str) -> type:
        _check_str(name, "name")
        return self._tensor(name).dtype.type

    def _tensor(self, name: str) -> np.ndarray:
        try:
            return self._tensors[name]
        except KeyError:
            raise RedisKeyError(f"The tensor {name} does not exist in {self._name} dataset.") from None

    def tensors(self) -> dict[str, np.ndarray]:
        """The tensors by name, in the order they were added (not copies)."""
        return self._tensors

    # Metadata --------------------------------------------------------------------------------
    def _check_new_field(self, name: str, kind: MetaType) -> None:
        existing = MetaType.STRING if name in self._strings else self._scalars.get(name, (None,))[0]
        if existing is not None and existing is not kind:
            # SmartRedis' text, trailing space included.
            raise RedisRuntimeError("The existing metadata field has a different type. ")

    def add_meta_scalar(self, name: str, data: int | float | np.number) -> None:
        _check_str(name, "name")
        kind, value = scalar_type_of(data)
        self._check_new_field(name, kind)
        self._scalars.setdefault(name, (kind, []))[1].append(value)

    def add_meta_string(self, name: str, data: str) -> None:
        _check_str(name, "name")
        _check_str(data, "data")
        self._check_new_field(name, MetaType.STRING)
        self._strings.setdefault(name, []).append(data)

    def get_meta_scalars(self, name: str) -> np.ndarray:
        _check_str(name, "name")
        if name not in self._scalars:
            raise RedisKeyError(f"The metadata field {name} does not exist.")
        kind, values = self._scalars[name]
        return np.array(values, dtype=SCALAR_DTYPES[kind].newbyteorder("="))

    def get_meta_strings(self, name: str) -> list[str]:
        _check_str(name, "name")
        if name not in self._strings:
            raise RedisKeyError(f"The metadata field {name} does not exist.")
        return list(self._strings[name])

    def get_metadata_field_names(self) -> list[str]:
        return [*self._scalars, *self._strings]

    def get_metadata_field_type(self, name: str) -> type:
        _check_str(name, "name")
        if name in self._strings:
            return str
        if name not in self._scalars:
            raise RedisKeyError(f"The metadata field {name} does not exist.")
        scalar_type: type = SCALAR_DTYPES[self._scalars[name][0]].newbyteorder("=").type
        return scalar_type

    # Wire form -------------------------------------------------------------------------------
    def serialized_fields(self, tensor_names_field: str) -> dict[str, bytes]:
        """Every metadata hash field with its bytes, plus the tensor-name list when there are tensors."""
        fields = {
            name: encode_scalars(kind, np.array(values)) for name, (kind, values) in self._scalars.items()
        }
        fields.update({name: encode_strings(values) for name, values in self._strings.items()})
        if self._tensors:
            fields[tensor_names_field] = encode_strings(list(self._tensors))
        return fields

    def _restore_field(self, name: str, kind: MetaType, values: np.ndarray | list[str]) -> None:
        if kind is MetaType.STRING:
            self._strings[name] = [str(value) for value in values]
        else:
            self._scalars[name] = (kind, list(np.asarray(values)))

    def is_empty(self) -> bool:
        return not (self._tensors or self._scalars or self._strings)

    def __repr__(self) -> str:
        fields = self.get_metadata_field_names()
        return f"Dataset({self._name!r}, tensors={list(self._tensors)}, fields={fields})"
