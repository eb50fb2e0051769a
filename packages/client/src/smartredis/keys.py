"""Key naming: the one home for how names become database keys and environment variables.

Pure functions only. The client uses them to build keys; the driver uses them to name the
environment variables it hands to launched entities. Both sides must agree byte for byte with
SmartRedis 0.6.1, whose rules these are.
"""

from __future__ import annotations

import binascii
from collections.abc import Sequence

from .error import RedisRuntimeError

# Environment variables shared by the driver (writer) and the client (reader).
SSDB = "SSDB"
SR_DB_TYPE = "SR_DB_TYPE"
SSKEYIN = "SSKEYIN"
SSKEYOUT = "SSKEYOUT"

DB_TYPE_STANDALONE = "Standalone"
DB_TYPE_CLUSTERED = "Clustered"

# The database identifier whose variables carry no suffix (SmartSim's default).
DEFAULT_DB_IDENTIFIER = "orchestrator"

PREFIX_SEPARATOR = "."
RESERVED_TENSOR_NAME = ".meta"


def env_suffix_for_db(db_identifier: str) -> str:
    """The ConfigOptions suffix that selects a database's variables.

    The default identifier and the empty one (a colocated database) map to no suffix, so
    their clients read plain ``SSDB``; any other identifier ``x`` maps to ``x``.
    """
    if db_identifier in ("", DEFAULT_DB_IDENTIFIER):
        return ""
    return db_identifier


def suffixed(option_name: str, suffix: str) -> str:
    """``SSDB`` with suffix ``db2`` is read from ``SSDB_db2``; no suffix leaves it as it is."""
    return f"{option_name}_{suffix}" if suffix else option_name


def db_env_var(option_name: str, db_identifier: str) -> str:
    """The variable the driver sets so that a client of ``db_identifier`` reads it."""
    return suffixed(option_name, env_suffix_for_db(db_identifier))


def db_type_for(address_count: int) -> str:
    """``SR_DB_TYPE`` value for a database reachable through ``address_count`` shard addresses."""
    return DB_TYPE_CLUSTERED if address_count > 1 else DB_TYPE_STANDALONE


def format_prefix(prefix: str) -> str:
    """A prefix becomes ``prefix.``; the empty prefix stays empty (no lone separator)."""
    return prefix + PREFIX_SEPARATOR if prefix else ""


def parse_read_prefixes(sskeyin: str) -> list[str]:
    """Split ``SSKEYIN`` on commas, dropping empty entries and trimming nothing."""
    return [entry for entry in sskeyin.split(",") if entry]


def join_read_prefixes(names: Sequence[str]) -> str:
    """The ``SSKEYIN`` value for a consumer registered with these incoming entities."""
    return ",".join(names)


def tensor_key(name: str, prefix: str, use_prefix: bool = True) -> str:
    """The key of tensor ``name`` under an unformatted ``prefix`` when prefixing applies."""
    return (format_prefix(prefix) if use_prefix else "") + name


def validate_tensor_key(key: str) -> None:
    """Refuse the keys SmartRedis refuses to put a tensor under: empty, or the reserved ``.meta``
    (its RedisRuntimeError texts, so code that catches them keeps working)."""
    if not key:
        raise RedisRuntimeError("A name must be provided for the tensor")
    if key == RESERVED_TENSOR_NAME:
        raise RedisRuntimeError(".meta is an internally reserved name that is not allowed.")


# Datasets and aggregation lists ------------------------------------------------------------

DATASET_META_SUFFIX = ".meta"
DATASET_ACK_FIELD = ".COMPLETE"
DATASET_TENSOR_NAMES_FIELD = ".tensor_names"


def dataset_key(name: str, prefix: str, use_prefix: bool = True) -> str:
    """The base key of dataset ``name``: ``prefix.{name}``; the braces make every key of one
    dataset hash to the same cluster slot, whatever the prefix."""
    return (format_prefix(prefix) if use_prefix else "") + "{" + name + "}"


def dataset_meta_key(base_key: str) -> str:
    """The hash holding a dataset's metadata fields, tensor names and ack field."""
    return base_key + DATASET_META_SUFFIX


def dataset_tensor_key(base_key: str, tensor_name: str) -> str:
    return base_key + PREFIX_SEPARATOR + tensor_name


def list_key(name: str, prefix: str, use_prefix: bool = True) -> str:
    """The key of aggregation list ``name`` (a plain Redis list of dataset base keys)."""
    return (format_prefix(prefix) if use_prefix else "") + name


def dataset_name_from_list_entry(entry: str) -> str:
    """The dataset name inside a list entry: the text between the first ``{`` and the last ``}``."""
    start = entry.find("{")
    end = entry.rfind("}")
    if start < 0 or end <= start + 1:
        raise ValueError(f"The aggregation list entry {entry!r} does not name a dataset")
    return entry[start + 1 : end]


# Models and scripts in a cluster ------------------------------------------------------------
#
# SmartRedis stores a model or script once per shard, under "{S}.<key>" where S is a short
# binary string that hashes to the shard's lowest slot. Both clients must derive the same S, so
# the derivation below follows SmartRedis exactly: run the CRC16 division backwards from the slot
# number (16 bit steps, 2 bytes), and while the bytes contain a brace, extend one bit at a time.

HASH_SLOTS = 16384
_CRC16_POLYNOMIAL = 0x11021  # x^16 + x^12 + x^5 + 1, with its leading bit
_MAX_PREFIX_SHIFTS = 24


def crc16(data: bytes) -> int:
    """CRC16-XMODEM (polynomial 0x1021, initial value 0), as Redis Cluster hashes keys.

    ``binascii.crc_hqx`` is exactly this CRC, computed in C (a bitwise loop in Python costs about
    100 microseconds for a typical key, more than the command it routes)."""
    return binascii.crc_hqx(data, 0)


def _inverse_division(value: int, first_bit: int, bit_count: int) -> int:
    digit = 1 << first_bit
    polynomial = _CRC16_POLYNOMIAL << first_bit
    for _ in range(bit_count):
        if value & digit:
            value ^= polynomial
        digit <<= 1
        polynomial <<= 1
    return value


def _prefix_bytes(value: int, length: int) -> bytes:
    bits = value >> 16
    return bytes((bits >> (8 * (length - 1 - index))) & 0xFF for index in range(length))


def shard_prefix_for_slot(slot: int) -> bytes:
    """The bytes S with ``crc16(S) == slot`` that SmartRedis uses to pin a key to a shard."""
    if not 0 <= slot <= HASH_SLOTS:
        raise ValueError(f"Hash slot {slot} is beyond the limit of {HASH_SLOTS}")
    shifts = 16
    value = _inverse_division(slot, 0, shifts)
    length = 2
    while b"{" in _prefix_bytes(value, length) or b"}" in _prefix_bytes(value, length):
        if shifts > _MAX_PREFIX_SHIFTS:
            raise ValueError(f"No shard prefix without braces exists for hash slot {slot}")
        value = _inverse_division(value, shifts, 1)
        shifts += 1
        length = (shifts + 7) // 8
    return _prefix_bytes(value, length)


def shard_model_key(shard_prefix: bytes, key: str) -> bytes:
    """``{S}.<key>``: a model or script key pinned to the shard whose prefix is S."""
    return b"{" + shard_prefix + b"}." + key.encode()


def staged_tensor_key(shard_prefix: bytes, name: str) -> bytes:
    """``{S}.<name>.TMP``: where a cluster run stages an input or output on the model's shard."""
    return shard_model_key(shard_prefix, name) + b".TMP"


def hash_tag(key: bytes) -> bytes:
    """The part of a key that decides its slot (Redis rules: first '{', then the next '}')."""
    start = key.find(b"{")
    if start >= 0:
        end = key.find(b"}", start + 1)
        if end > start + 1:
            return key[start + 1 : end]
    return key


def key_slot(key: str | bytes) -> int:
    data = key.encode() if isinstance(key, str) else key
    return crc16(hash_tag(data)) % HASH_SLOTS
