import numpy as np
import pytest

from smartredis.tensor_types import numpy_dtype_for, wire_name_for

SUPPORTED = {
    "float64": "DOUBLE",
    "float32": "FLOAT",
    "int8": "INT8",
    "int16": "INT16",
    "int32": "INT32",
    "int64": "INT64",
    "uint8": "UINT8",
    "uint16": "UINT16",
}


@pytest.mark.parametrize(("numpy_name", "wire"), SUPPORTED.items())
def test_round_trip_of_names(numpy_name: str, wire: str) -> None:
    assert wire_name_for(np.dtype(numpy_name)) == wire
    assert numpy_dtype_for(wire) == np.dtype(numpy_name)
    assert numpy_dtype_for(wire.lower()) == np.dtype(numpy_name)


@pytest.mark.parametrize("numpy_name", ["bool", "uint32", "uint64", "float16", ">i4", "object", "complex64"])
def test_unsupported_dtypes_raise_type_error(numpy_name: str) -> None:
    with pytest.raises(TypeError, match="Incompatible tensor type provided"):
        wire_name_for(np.dtype(numpy_name))
