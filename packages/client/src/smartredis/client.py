"""``Client``: the SmartRedis Python API over the Orchestrator.

The method names, signatures and exceptions follow SmartRedis 0.6 so application code runs
unchanged. Key names come from :mod:`smartredis.keys`; tensor bytes from :mod:`tensor_types`.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from . import _transport, keys
from ._tensor_reader import get_tensor_direct
from ._timeouts import read_timeouts
from ._validation import check_type
from .address import choose_address, parse_ssdb
from .admin_commands import AdminCommands
from .configoptions import ConfigOptions
from .dataset import Dataset
from .error import RedisConnectionError, RedisInternalError, RedisKeyError, RedisRuntimeError
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
from .logger import SRObject
from .metadata import decode_field
from .model_commands import ModelScriptCommands
from .tensor_types import numpy_dtype_for, wire_name_for


def _tensorset_command(key: str, data: np.ndarray) -> tuple[Any, ...]:
    """``AI.TENSORSET key DTYPE dims... BLOB payload`` with the payload as a view of the array."""
    wire_dtype = wire_name_for(data.dtype)
    if data.ndim == 0:
        raise RedisRuntimeError("Must provide a dimensions vector with at least one dimension.")
    if data.size == 0:
        raise RedisRuntimeError("All tensor dimensions must be positive.")
    # ascontiguousarray copies only when the array is not already row-major.
    contiguous = np.ascontiguousarray(data)
    return ("AI.TENSORSET", key, wire_dtype, *contiguous.shape, "BLOB", contiguous.data.cast("B"))


def _tensor_from_reply(reply: Any) -> np.ndarray:
    """The array in an ``AI.TENSORGET ... META BLOB`` reply (fields read by position)."""
    try:
        dtype = numpy_dtype_for(reply[1].decode())
        shape = tuple(int(dim) for dim in reply[3])
        blob = reply[5]
    except (IndexError, KeyError, AttributeError, TypeError) as err:
        raise RedisInternalError(f"Unexpected reply to AI.TENSORGET: {err}") from None
    # The reply buffer is immutable bytes; copying once gives the caller a writable array.
    array: np.ndarray = np.frombuffer(blob, dtype=dtype).reshape(shape).copy()
    return array


_check_type = check_type


class Client(SRObject, ModelScriptCommands, AdminCommands):
    """A connection to one Orchestrator (standalone or sharded).

    ``Client()`` or ``Client(ConfigOptions)`` reads ``SSDB``/``SR_DB_TYPE``; the older form
    ``Client(cluster: bool, address: str | None)`` is accepted as SmartRedis accepts it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        logger_name = kwargs.pop("logger_name", "Default")
        config, cluster_flag, address_override = self._parse_constructor(args, kwargs)
        self._logger_name = logger_name
        SRObject.__init__(self, logger_name)
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
        timeouts = read_timeouts(config)
        self._address = choose_address(addresses)
        try:
            self._conn = _transport.connect(self._address, cluster_flag, timeouts)
        except RedisConnectionError as err:
            raise RedisConnectionError(f"{err}\nCould not connect to Orchestrator at {ssdb}") from None
        self._put_prefix = config.string_option_or(SSKEYOUT, "")
        self._get_prefixes = parse_read_prefixes(config.string_option_or(SSKEYIN, ""))
        self._get_prefix = self._get_prefixes[0] if self._get_prefixes else ""
        self._use_tensor_prefix = True
        self._use_dataset_prefix = True
        self._use_list_prefix = True
        self._use_model_prefix = False
        self._model_chunk_size: int | None = None
        self._shard_table_cache: list[tuple[int, bytes]] | None = None

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

    def use_dataset_ensemble_prefix(self, use_prefix: bool) -> None:
        _check_type(use_prefix, bool, "use_prefix")
        self._use_dataset_prefix = use_prefix

    def use_list_ensemble_prefix(self, use_prefix: bool) -> None:
        _check_type(use_prefix, bool, "use_prefix")
        self._use_list_prefix = use_prefix

    def use_model_ensemble_prefix(self, use_prefix: bool) -> None:
        _check_type(use_prefix, bool, "use_prefix")
        self._use_model_prefix = use_prefix

    def set_data_source(self, source_id: str) -> None:
        """Read keys written by ``source_id``, which must be one of the ``SSKEYIN`` entries."""
        _check_type(source_id, str, "source_id")
        if source_id not in self._get_prefixes:
            raise RedisRuntimeError(
                f"Client error: data source {source_id} could not be found during client initialization."
            )
        self._get_prefix = source_id

    def _dataset_put_key(self, name: str) -> str:
        return keys.dataset_key(name, self._put_prefix, self._use_dataset_prefix)

    def _dataset_get_key(self, name: str) -> str:
        return keys.dataset_key(name, self._get_prefix, self._use_dataset_prefix)

    def _list_put_key(self, name: str) -> str:
        return keys.list_key(name, self._put_prefix, self._use_list_prefix)

    def _list_get_key(self, name: str) -> str:
        return keys.list_key(name, self._get_prefix, self._use_list_prefix)

    # --------------------------------------------------------------- tensors
    def put_tensor(self, name: str, data: np.ndarray) -> None:
        """Store ``data`` under ``name``; any memory order is sent row-major."""
        _check_type(name, str, "name")
        _check_type(data, np.ndarray, "data")
        _transport.run(self._conn, *_tensorset_command(self._put_key(name), data))

    def get_tensor(self, name: str) -> np.ndarray:
        """Fetch the tensor stored under ``name`` as a C-contiguous array."""
        _check_type(name, str, "name")
        return get_tensor_direct(self._conn, self._get_key(name))

    def unpack_tensor(self, name: str, result: np.ndarray) -> None:
        """Fetch tensor ``name`` into the caller's preallocated array (same dtype and size)."""
        _check_type(name, str, "name")
        _check_type(result, np.ndarray, "result")
        array = _tensor_from_reply(
            _transport.run(self._conn, "AI.TENSORGET", self._get_key(name), "META", "BLOB")
        )
        if array.dtype != result.dtype or array.size != result.size:
            raise RedisRuntimeError(
                f"The tensor {name} ({array.dtype}{list(array.shape)}) does not fit the result array "
                f"({result.dtype}{list(result.shape)})"
            )
        result[...] = array.reshape(result.shape)

    def copy_tensor(self, src_name: str, dest_name: str) -> None:
        _check_type(src_name, str, "src_name")
        _check_type(dest_name, str, "dest_name")
        _transport.copy_tensor_key(self._conn, self._get_key(src_name), self._put_key(dest_name))

    def rename_tensor(self, old_name: str, new_name: str) -> None:
        _check_type(old_name, str, "old_name")
        _check_type(new_name, str, "new_name")
        source, target = self._get_key(old_name), self._put_key(new_name)
        if not self._cluster or keys.key_slot(source) == keys.key_slot(target):
            _transport.run(self._conn, "RENAME", source, target)
            return
        # Across shards RENAME is impossible: copy, then remove the source.
        self.copy_tensor(old_name, new_name)
        _transport.run(self._conn, "UNLINK", source)

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

    # -------------------------------------------------------------- datasets
    def put_dataset(self, dataset: Dataset) -> None:
        """Store the dataset's metadata and tensors in one round trip, then mark it complete."""
        _check_type(dataset, Dataset, "dataset")
        if dataset.is_empty():
            raise RedisRuntimeError(
                "An attempt was made to put a DataSet into the database that does not contain "
                "any fields or tensors."
            )
        base = self._dataset_put_key(dataset.name)
        _transport.run_pipeline(self._conn, _dataset_write_commands(base, dataset))

    def _read_meta(self, base: str) -> dict[bytes, bytes]:
        return _as_field_dict(_transport.run(self._conn, "HGETALL", keys.dataset_meta_key(base)))

    def _datasets_from_meta(
        self, bases: list[str], metas: list[dict[bytes, bytes]], names: list[str]
    ) -> list[Dataset]:
        """Build datasets from their metadata hashes, fetching all their tensors in one round trip."""
        datasets: list[Dataset] = []
        fetches: list[tuple[Any, ...]] = []
        owners: list[tuple[Dataset, str]] = []
        for base, meta, name in zip(bases, metas, names, strict=True):
            dataset = Dataset(name)
            tensor_names: list[str] = []
            for field, value in meta.items():
                field_name = field.decode()
                if field_name == keys.DATASET_ACK_FIELD:
                    continue
                try:
                    kind, values = decode_field(value)
                except ValueError as err:
                    raise RedisRuntimeError(f"Dataset {name}: metadata field {field_name}: {err}") from None
                if field_name == keys.DATASET_TENSOR_NAMES_FIELD:
                    tensor_names = [str(value) for value in values]
                else:
                    dataset._restore_field(field_name, kind, values)
            for tensor_name in tensor_names:
                fetches.append(("AI.TENSORGET", keys.dataset_tensor_key(base, tensor_name), "META", "BLOB"))
                owners.append((dataset, tensor_name))
            datasets.append(dataset)
        for (dataset, tensor_name), reply in zip(
            owners, _transport.run_pipeline(self._conn, fetches), strict=True
        ):
            dataset._adopt_tensor(tensor_name, _tensor_from_reply(reply))
        return datasets

    def get_dataset(self, name: str) -> Dataset:
        _check_type(name, str, "name")
        base = self._dataset_get_key(name)
        meta = self._read_meta(base)
        if not meta:
            raise RedisKeyError(f'The requested DataSet, "{name}", does not exist.')
        return self._datasets_from_meta([base], [meta], [name])[0]

    def delete_dataset(self, name: str) -> None:
        _check_type(name, str, "name")
        base = self._dataset_get_key(name)
        meta = self._read_meta(base)
        if not meta:
            raise RedisRuntimeError(f"The requested DataSet {name} does not exist.")
        tensor_keys = [keys.dataset_tensor_key(base, t) for t in _tensor_names(meta)]
        _transport.run(self._conn, "DEL", keys.dataset_meta_key(base), *tensor_keys)

    def dataset_exists(self, name: str) -> bool:
        _check_type(name, str, "name")
        meta_key = keys.dataset_meta_key(self._dataset_get_key(name))
        return bool(_transport.run(self._conn, "HEXISTS", meta_key, keys.DATASET_ACK_FIELD))

    def poll_dataset(self, name: str, poll_frequency_ms: int, num_tries: int) -> bool:
        _check_type(name, str, "name")
        return self._poll(lambda: self.dataset_exists(name), poll_frequency_ms, num_tries)

    def copy_dataset(self, src_name: str, dest_name: str) -> None:
        _check_type(src_name, str, "src_name")
        _check_type(dest_name, str, "dest_name")
        source = self._dataset_get_key(src_name)
        meta = self._read_meta(source)
        if not meta:
            raise RedisKeyError(f"The requested DataSet {src_name} does not exist.")
        if not dest_name:
            raise ValueError("Name must be non-zero length")
        dataset = self._datasets_from_meta([source], [meta], [dest_name])[0]
        _transport.run_pipeline(
            self._conn, _dataset_write_commands(self._dataset_put_key(dest_name), dataset)
        )

    def rename_dataset(self, old_name: str, new_name: str) -> None:
        self.copy_dataset(old_name, new_name)
        if self._dataset_get_key(old_name) != self._dataset_put_key(new_name):
            self.delete_dataset(old_name)

    # ------------------------------------------------------------ aggregation lists
    def append_to_list(self, list_name: str, dataset: Dataset) -> None:
        """Append the dataset's key (not its contents) to the list; the dataset is not checked."""
        _check_type(list_name, str, "list_name")
        _check_type(dataset, Dataset, "dataset")
        _transport.run(
            self._conn, "RPUSH", self._list_put_key(list_name), self._dataset_put_key(dataset.name)
        )

    def delete_list(self, list_name: str) -> None:
        _check_type(list_name, str, "list_name")
        _transport.run(self._conn, "DEL", self._list_get_key(list_name))

    def copy_list(self, src_name: str, dest_name: str) -> None:
        _check_type(src_name, str, "src_name")
        _check_type(dest_name, str, "dest_name")
        if not src_name:
            raise ValueError("The src_name parameter cannot be an empty string.")
        if not dest_name:
            raise ValueError("The dest_name parameter cannot be an empty string.")
        if src_name == dest_name:
            return
        entries = _transport.run(self._conn, "LRANGE", self._list_get_key(src_name), 0, -1)
        if not entries:
            raise RedisRuntimeError("The source aggregation list does not exist.")
        _transport.run(self._conn, "DEL", self._list_get_key(dest_name))
        _transport.run(self._conn, "RPUSH", self._list_put_key(dest_name), *entries)

    def rename_list(self, src_name: str, dest_name: str) -> None:
        """Copy then delete the source; renaming a list to itself changes nothing."""
        if src_name == dest_name:
            _check_type(src_name, str, "src_name")
            return
        self.copy_list(src_name, dest_name)
        _transport.run(self._conn, "DEL", self._list_get_key(src_name))

    def get_list_length(self, list_name: str) -> int:
        _check_type(list_name, str, "list_name")
        return int(_transport.run(self._conn, "LLEN", self._list_get_key(list_name)))

    def _poll_length(self, list_name: str, list_length: int, freq_ms: int, tries: int, test: Any) -> bool:
        _check_type(list_name, str, "list_name")
        _check_type(list_length, int, "list_length")
        if list_length < 0:
            raise ValueError("A positive value for list_length must be provided.")
        return self._poll(lambda: test(self.get_list_length(list_name), list_length), freq_ms, tries)

    def poll_list_length(self, name: str, list_length: int, poll_frequency_ms: int, num_tries: int) -> bool:
        return self._poll_length(name, list_length, poll_frequency_ms, num_tries, int.__eq__)

    def poll_list_length_gte(
        self, name: str, list_length: int, poll_frequency_ms: int, num_tries: int
    ) -> bool:
        return self._poll_length(name, list_length, poll_frequency_ms, num_tries, int.__ge__)

    def poll_list_length_lte(
        self, name: str, list_length: int, poll_frequency_ms: int, num_tries: int
    ) -> bool:
        return self._poll_length(name, list_length, poll_frequency_ms, num_tries, int.__le__)

    def get_datasets_from_list(self, list_name: str) -> list[Dataset]:
        return self.get_dataset_list_range(list_name, 0, -1)

    def get_dataset_list_range(self, list_name: str, start_index: int, end_index: int) -> list[Dataset]:
        """The datasets of list entries ``start_index..end_index`` (inclusive, negatives allowed):
        three round trips whatever the number of datasets."""
        _check_type(list_name, str, "list_name")
        _check_type(start_index, int, "start_index")
        _check_type(end_index, int, "end_index")
        if not list_name:
            raise ValueError("The list name must have length greater than zero")
        entries = [
            e.decode()
            for e in _transport.run(
                self._conn, "LRANGE", self._list_get_key(list_name), start_index, end_index
            )
        ]
        if not entries:
            return []
        metas = [
            _as_field_dict(reply)
            for reply in _transport.run_pipeline(
                self._conn, [("HGETALL", keys.dataset_meta_key(e)) for e in entries]
            )
        ]
        names = [keys.dataset_name_from_list_entry(entry) for entry in entries]
        return self._datasets_from_meta(entries, metas, names)

    def __str__(self) -> str:
        mode = "Clustered" if self._cluster else "Standalone"
        return f"Client ({self._logger_name}): {mode} connection to {self._address}"


def _tensor_names(meta: dict[bytes, bytes]) -> list[str]:
    value = meta.get(keys.DATASET_TENSOR_NAMES_FIELD.encode())
    if value is None:
        return []
    return [str(name) for name in decode_field(value)[1]]


def _dataset_write_commands(base: str, dataset: Dataset) -> list[tuple[Any, ...]]:
    """The pipeline that stores a dataset under ``base``: fresh metadata, tensors, then the ack."""
    meta_key = keys.dataset_meta_key(base)
    commands: list[tuple[Any, ...]] = [("DEL", meta_key)]
    fields = dataset.serialized_fields(keys.DATASET_TENSOR_NAMES_FIELD)
    if fields:
        commands.append(("HSET", meta_key, *(item for pair in fields.items() for item in pair)))
    for tensor_name, array in dataset.tensors().items():
        commands.append(_tensorset_command(keys.dataset_tensor_key(base, tensor_name), array))
    commands.append(("HSET", meta_key, keys.DATASET_ACK_FIELD, "1"))
    return commands


def _as_field_dict(reply: Any) -> dict[bytes, bytes]:
    """HGETALL as a dict, whether the connection parsed it (redis-py) or not (a flat list)."""
    if isinstance(reply, dict):
        return reply
    return {reply[index]: reply[index + 1] for index in range(0, len(reply) - 1, 2)}
