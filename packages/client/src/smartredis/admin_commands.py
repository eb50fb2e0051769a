"""Per-node administration: INFO, CLUSTER INFO, AI.INFO, FLUSHDB, CONFIG GET/SET, SAVE.

Each method takes the node address(es) as text and, like SmartRedis, only accepts addresses of
nodes this client knows: the SSDB address standalone, a CLUSTER SLOTS node in a cluster.
"""

from __future__ import annotations

from typing import Any

from . import _transport, keys
from ._cluster import NodeName
from ._validation import check_type
from .address import Address, parse_address
from .error import RedisRuntimeError


def parse_info(text: str) -> dict[str, dict[str, str]]:
    """``INFO`` text as ``{section: {field: value}}``; a last line without CRLF is dropped."""
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    lines = text.split("\r\n")
    for line in lines[:-1]:
        if line.startswith("# "):
            current = sections.setdefault(line[2:].strip(), {})
        elif ":" in line:
            field, _, value = line.partition(":")
            current[field] = value
    return sections


def parse_fields(text: str) -> dict[str, str]:
    return dict(line.partition(":")[::2] for line in text.split("\r\n") if ":" in line)


class AdminCommands:
    """Mixin of ``Client``."""

    _conn: Any
    _cluster: bool
    _address: Address

    def _node(self, address: str) -> NodeName | None:
        """The cluster node at ``address`` (None standalone); an unknown address is an error."""
        check_type(address, str, "address")
        if not self._cluster:
            wanted = parse_address(address)
            if wanted != self._address:
                raise RedisRuntimeError(
                    "The provided address does not match the address used to initialize the "
                    f"non-cluster client connection. Received: {address}"
                )
            return None
        host, _, port = address.rpartition(":")
        node: NodeName | None = self._conn.node_named(host, int(port)) if port.isdigit() else None
        if node is None:
            raise RedisRuntimeError("Redis has failed to find database")
        return node

    def _on_node(self, address: str, *command: Any) -> Any:
        """Run ``command`` on one node and return the raw reply (SmartRedis parses raw text)."""
        node = self._node(address)
        if node is None:
            return _transport.run(self._conn, *command)
        return self._conn.execute_on(node, *command)

    @staticmethod
    def _addresses(addresses: list[str]) -> list[str]:
        check_type(addresses, list, "addresses")
        for address in addresses:
            check_type(address, str, "address")
        return addresses

    def get_db_node_info(self, addresses: list[str]) -> list[dict[str, dict[str, str]]]:
        return [parse_info(_text(self._on_node(a, "INFO", "EVERYTHING"))) for a in self._addresses(addresses)]

    def get_db_cluster_info(self, addresses: list[str]) -> list[dict[str, str]]:
        if not self._cluster:
            raise RedisRuntimeError("Cannot run on non-cluster environment")
        return [parse_fields(_text(self._on_node(a, "CLUSTER", "INFO"))) for a in self._addresses(addresses)]

    def get_ai_info(self, addresses: list[str], key: str, reset_stat: bool = False) -> list[dict[str, str]]:
        check_type(key, str, "key")
        check_type(reset_stat, bool, "reset_stat")
        results: list[dict[str, str]] = []
        for address in self._addresses(addresses):
            node_key: str | bytes = key
            if self._cluster:
                node_key = keys.shard_model_key(self._prefix_of(address), key)
            reply = self._on_node(address, "AI.INFO", node_key, *(["RESETSTAT"] if reset_stat else []))
            if not isinstance(reply, list):
                if reset_stat:
                    results.append({})
                    continue
                raise RedisRuntimeError(f"AI.INFO replied {reply!r}, not a list of fields")
            info = {_text(reply[i]): _text(reply[i + 1]) for i in range(0, len(reply) - 1, 2)}
            if self._cluster and info.get("key", "").startswith("{"):
                info["key"] = info["key"].split("}.", 1)[-1]
            results.append(info)
        return results

    def _prefix_of(self, address: str) -> bytes:
        host, _, port = address.rpartition(":")
        slots = _transport.run(self._conn, "CLUSTER", "SLOTS")
        for low, _high, primary, *_ in slots:
            if _text(primary[0]) == host and int(primary[1]) == int(port):
                return keys.shard_prefix_for_slot(int(low))
        raise RedisRuntimeError("Redis has failed to find database")

    def flush_db(self, addresses: list[str]) -> None:
        for address in self._addresses(addresses):
            self._on_node(address, "FLUSHDB")

    def config_get(self, expression: str, address: str) -> dict[str, str]:
        check_type(expression, str, "expression")
        reply = self._on_node(address, "CONFIG", "GET", expression)
        if isinstance(reply, dict):
            return {_text(k): _text(v) for k, v in reply.items()}
        return {_text(reply[i]): _text(reply[i + 1]) for i in range(0, len(reply) - 1, 2)}

    def config_set(self, config_param: str, value: str, address: str) -> None:
        check_type(config_param, str, "config_param")
        check_type(value, str, "value")
        self._on_node(address, "CONFIG", "SET", config_param, value)

    def save(self, addresses: list[str]) -> None:
        for address in self._addresses(addresses):
            self._on_node(address, "SAVE")


def _text(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)
