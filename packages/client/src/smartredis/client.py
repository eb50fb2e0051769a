"""``Client``: the SmartRedis Python API over the Orchestrator.

The method names, signatures and exceptions follow SmartRedis 0.6 so application code runs
unchanged. Key names come from :mod:`smartredis.keys`; tensor bytes from :mod:`tensor_types`.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from . import _transport
from .address import choose_address, parse_ssdb
from .configoptions import ConfigOptions
from .error import RedisConnectionError, RedisInternalError
from .keys import (
    DB_TYPE_CLUSTERED,
    SR_DB_TYPE,
    SSDB,
    SSKEYIN,
    SSKEYOUT,
    parse_read_prefixes,
    tensor_key,
    validate_tensor_key,
)
from .tensor_types import numpy_dtype_for, wire_name_for

# Connection budget: long enough for a client started with its database, short enough that a
# wrong address fails in seconds instead of SmartRedis' 100 s.
_DEFAULT_CONN_TIMEOUT_S = 5
_DEFAULT_CONN_INTERVAL_MS = 50


def _check_type(value: Any, expected: type | tuple[type, ...], name: str) -> None:
    if not isinstance(value, expected):
        raise TypeError(f"Argument {name} provided was of type {type(value)}, not {expected}")


class Client:
    """A connection to one Orchestrator (standalone or sharded).

    ``Client()`` or ``Client(ConfigOptions)`` reads ``SSDB``/``SR_DB_TYPE``; the older form
    ``Client(cluster: bool, address: str | None)`` is accepted as SmartRedis accepts it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        logger_name = kwargs.pop("logger_name", "Default")
        config, cluster_flag, address_override = self._parse_constructor(args, kwargs)
        self._logger_name = logger_name
        self._config = config
        ssdb = address_override if address_override is not None else config.string_option_or(SSDB, "")
        try:
            addresses = parse_ssdb(ssdb)
        except ValueError as err:
            raise RedisConnectionError(str(err)) from None
        if cluster_flag is None:
            # SmartRedis treats an unset or empty SR_DB_TYPE as clustered.
            db_type = config.string_option_or(SR_DB_TYPE, "")
            cluster_flag = db_type == "" or db_type.lower() == DB_TYPE_CLUSTERED.lower()
        self._cluster = cluster_flag
        conn_timeout_s = float(config.string_option_or("SR_CONN_TIMEOUT", str(_DEFAULT_CONN_TIMEOUT_S)))
        interval_ms = float(config.string_option_or("SR_CONN_INTERVAL", str(_DEFAULT_CONN_INTERVAL_MS)))
        self._address = choose_address(addresses)
        try:
            self._conn = _transport.connect(self._address, cluster_flag, conn_timeout_s, interval_ms / 1000.0)
        except RedisConnectionError as err:
            raise RedisConnectionError(f"{err}\nCould not connect to Orchestrator at {ssdb}") from None
        self._put_prefix = config.string_option_or(SSKEYOUT, "")
        self._get_prefixes = parse_read_prefixes(config.string_option_or(SSKEYIN, ""))
        self._get_prefix = self._get_prefixes[0] if self._get_prefixes else ""
        self._use_tensor_prefix = True

    @staticmethod
    def _parse_constructor(
        args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[ConfigOptions, bool | None, str | None]:
        if "cluster" in kwargs or (args and isinstance(args[0], bool)):
            cluster = kwargs.pop("cluster", args[0] if args else False)
            address = kwargs.pop("address", args[1] if len(args) > 1 else None)
            _check_type(cluster, bool, "cluster")
            if address is not None:
                _check_type(address, str, "address")
            return ConfigOptions.create_from_environment(""), cluster, address
        config = kwargs.pop("config_options", args[0] if args else None)
        if kwargs:
            raise TypeError(f"Unexpected arguments: {', '.join(kwargs)}")
        if config is None:
            config = ConfigOptions.create_from_environment("")
        _check_type(config, ConfigOptions, "config_options")
        return config, None, None

    # ------------------------------------------------------------------ keys
    def _put_key(self, name: str) -> str:
        key = tensor_key(name, self._put_prefix, self._use_tensor_prefix)
        validate_tensor_key(key)
        return key

    def _get_key(self, name: str) -> str:
        return tensor_key(name, self._get_prefix, self._use_tensor_prefix)

    def use_tensor_ensemble_prefix(self, use_prefix: bool) -> None:
        _check_type(use_prefix, bool, "use_prefix")
        self._use_tensor_prefix = use_prefix

    # --------------------------------------------------------------- tensors
    def put_tensor(self, name: str, data: np.ndarray) -> None:
        """Store ``data`` under ``name``; any memory order is sent row-major."""
        _check_type(name, str, "name")
        _check_type(data, np.ndarray, "data")
        wire_dtype = wire_name_for(data.dtype)
        if data.ndim == 0:
            raise ValueError("Must provide a dimensions vector with at least one dimension.")
        if data.size == 0:
            raise ValueError("All tensor dimensions must be positive.")
        # ascontiguousarray copies only when the array is not already row-major.
        contiguous = np.ascontiguousarray(data)
        payload = contiguous.data.cast("B")  # a view of the array: no copy
        _transport.run(
            self._conn,
            "AI.TENSORSET",
            self._put_key(name),
            wire_dtype,
            *contiguous.shape,
            "BLOB",
            payload,
        )

    def get_tensor(self, name: str) -> np.ndarray:
        """Fetch the tensor stored under ``name`` as a C-contiguous array."""
        _check_type(name, str, "name")
        reply = _transport.run(self._conn, "AI.TENSORGET", self._get_key(name), "META", "BLOB")
        try:
            dtype = numpy_dtype_for(reply[1].decode())
            shape = tuple(int(dim) for dim in reply[3])
            blob = reply[5]
        except (IndexError, KeyError, AttributeError, TypeError) as err:
            raise RedisInternalError(f"Unexpected reply to AI.TENSORGET: {err}") from None
        # The reply buffer is immutable bytes; copying once gives the caller a writable array.
        array: np.ndarray = np.frombuffer(blob, dtype=dtype).reshape(shape).copy()
        return array

    def delete_tensor(self, name: str) -> None:
        _check_type(name, str, "name")
        _transport.run(self._conn, "UNLINK" if self._cluster else "DEL", self._get_key(name))

    def tensor_exists(self, name: str) -> bool:
        _check_type(name, str, "name")
        return bool(_transport.run(self._conn, "EXISTS", self._get_key(name)))

    def key_exists(self, key: str) -> bool:
        _check_type(key, str, "key")
        return bool(_transport.run(self._conn, "EXISTS", key))

    def poll_tensor(self, name: str, poll_frequency_ms: int, num_tries: int) -> bool:
        _check_type(name, str, "name")
        return self._poll(lambda: self.tensor_exists(name), poll_frequency_ms, num_tries)

    def poll_key(self, key: str, poll_frequency_ms: int, num_tries: int) -> bool:
        _check_type(key, str, "key")
        return self._poll(lambda: self.key_exists(key), poll_frequency_ms, num_tries)

    @staticmethod
    def _poll(check: Any, poll_frequency_ms: int, num_tries: int) -> bool:
        _check_type(poll_frequency_ms, int, "poll_frequency_ms")
        _check_type(num_tries, int, "num_tries")
        for attempt in range(num_tries):
            if check():
                return True
            if attempt + 1 < num_tries:
                time.sleep(poll_frequency_ms / 1000.0)
        return False

    def __str__(self) -> str:
        mode = "Clustered" if self._cluster else "Standalone"
        return f"Client ({self._logger_name}): {mode} connection to {self._address}"
