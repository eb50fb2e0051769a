"""Key naming: the one home for how names become database keys and environment variables.

Pure functions only. The client uses them to build keys; the driver uses them to name the
environment variables it hands to launched entities. Both sides must agree byte for byte with
SmartRedis 0.6.1, whose rules these are.
"""

from __future__ import annotations

from collections.abc import Sequence

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
    """Refuse the names SmartRedis refuses: empty, or the reserved ``.meta``."""
    if not key:
        raise ValueError("The tensor name must not be empty.")
    if key == RESERVED_TENSOR_NAME:
        raise ValueError("`.meta` is an internally reserved name that is not allowed.")
