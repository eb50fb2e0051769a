"""The mapping between numpy dtypes and the tensor type names on the wire.

Pure: no I/O. SmartRedis accepts exactly these eight numeric types from numpy; anything else is a
``TypeError`` before a byte is sent.
"""

from __future__ import annotations

import numpy as np

# Wire name -> numpy dtype (native little-endian on every platform we support).
_WIRE_TO_NUMPY: dict[str, np.dtype] = {
    "DOUBLE": np.dtype("float64"),
    "FLOAT": np.dtype("float32"),
    "INT8": np.dtype("int8"),
    "INT16": np.dtype("int16"),
    "INT32": np.dtype("int32"),
    "INT64": np.dtype("int64"),
    "UINT8": np.dtype("uint8"),
    "UINT16": np.dtype("uint16"),
}
# Keyed by str(dtype) because that is how SmartRedis matches, so ">i4" or "bool" are refused.
_NUMPY_NAME_TO_WIRE: dict[str, str] = {str(dt): name for name, dt in _WIRE_TO_NUMPY.items()}
# The same by dtype object: str(dtype) costs microseconds per tensor, a dict lookup does not. A
# dtype equal to one of these has the same str (native byte order), so both agree.
_NUMPY_TO_WIRE: dict[np.dtype, str] = {dt: name for name, dt in _WIRE_TO_NUMPY.items()}


def wire_name_for(dtype: np.dtype) -> str:
    """Return the wire dtype name for a numpy dtype, or raise ``TypeError``."""
    name = _NUMPY_TO_WIRE.get(dtype)
    if name is not None:
        return name
    try:
        return _NUMPY_NAME_TO_WIRE[str(dtype)]
    except KeyError:
        raise TypeError(f"Incompatible tensor type provided {dtype}") from None


def numpy_dtype_for(wire_name: str) -> np.dtype:
    """Return the numpy dtype for a wire dtype name, or raise ``KeyError``."""
    return _WIRE_TO_NUMPY[wire_name.upper()]
