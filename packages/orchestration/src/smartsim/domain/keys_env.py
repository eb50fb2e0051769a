"""The environment a launched entity needs to reach its databases and prefix its keys.

The variable names and value formats come from the one key-naming module of the client
(``smartredis.keys``), so the driver writes exactly what the client reads.
"""

from __future__ import annotations

from collections.abc import Sequence

from smartredis import keys


def db_environment(db_identifier: str, addresses: Sequence[str]) -> dict[str, str]:
    """``SSDB[_id]`` and ``SR_DB_TYPE[_id]`` for a database with these shard addresses."""
    return {
        keys.db_env_var(keys.SSDB, db_identifier): ",".join(addresses),
        keys.db_env_var(keys.SR_DB_TYPE, db_identifier): keys.db_type_for(len(addresses)),
    }


def key_prefix_environment(
    own_name: str, prefixing_enabled: bool, incoming_names: Sequence[str]
) -> dict[str, str]:
    """``SSKEYOUT`` when the entity prefixes its keys, ``SSKEYIN`` when it reads others'."""
    env: dict[str, str] = {}
    if prefixing_enabled:
        env[keys.SSKEYOUT] = own_name
    if incoming_names:
        env[keys.SSKEYIN] = keys.join_read_prefixes(incoming_names)
    return env
