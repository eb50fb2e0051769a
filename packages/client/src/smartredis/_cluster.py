"""A lean connection to a Redis Cluster: the slot map plus one :class:`LeanConnection` per node.

The slot map is read with ``CLUSTER SLOTS`` when the client connects. Each command goes to the
node owning the slot of its key (argv[1] for every keyed command this client sends; the slot
function is :func:`smartredis.keys.key_slot`); keyless commands (``CLUSTER SLOTS``,
``AI.CONFIG``) go to the node used most recently, as in SmartRedis. ``MOVED`` re-reads the slot
map and follows the redirection; ``ASK`` sends ``ASKING`` and the command to the named node
without changing the map. Pipelines are split per node and their replies put back in order.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import hiredis

from ._lean import LeanConnection, ServerErrorReply
from ._timeouts import Timeouts
from .address import TcpAddress
from .error import RedisRuntimeError
from .keys import HASH_SLOTS, key_slot

T = TypeVar("T")
NodeName = tuple[str, int]

# Commands that carry no key: they may run on any node. Every other command's key is argv[1]
# (the AI module registers its keyed commands with first key 1; model and script runs in a
# cluster name the shard-pinned key ``{S}.<name>`` there, so argv[1] decides their shard too).
_KEYLESS = frozenset(
    {
        "AI.CONFIG",
        "AI._MODELSCAN",
        "AI._SCRIPTSCAN",
        "ASKING",
        "CLUSTER",
        "COMMAND",
        "CONFIG",
        "DBSIZE",
        "ECHO",
        "FLUSHALL",
        "FLUSHDB",
        "INFO",
        "KEYS",
        "PING",
        "SAVE",
        "SCAN",
    }
)
# A redirection that leads to another redirection this many times is given up on.
_MAX_REDIRECTS = 5


def _command_name(name: Any) -> str:
    text = bytes(name).decode() if isinstance(name, (bytes, bytearray, memoryview)) else str(name)
    return text.upper()


def _redirection(text: str) -> tuple[str, int, str, int] | None:
    """``(MOVED|ASK, slot, host, port)`` from an error reply such as ``MOVED 3999 10.0.0.2:6381``."""
    kind, _, rest = text.partition(" ")
    if kind not in ("MOVED", "ASK"):
        return None
    slot_text, _, endpoint = rest.partition(" ")
    host, _, port_text = endpoint.rpartition(":")
    if not slot_text.isdigit() or not port_text.isdigit():
        return None
    return kind, int(slot_text), host, int(port_text)


def _text(value: Any) -> str:
    return bytes(value).decode() if isinstance(value, (bytes, bytearray)) else str(value)


def _normal_host(host: str) -> str:
    # redis-py (used here before) treated "localhost" and 127.0.0.1 as the same node.
    return "127.0.0.1" if host == "localhost" else host


class ClusterConnection:
    """Routes commands to the shard that owns their key; safe to share between threads."""

    def __init__(self, seed: TcpAddress, timeouts: Timeouts) -> None:
        self._seed: NodeName = (_normal_host(seed.host), seed.port)
        self._timeouts = timeouts
        self._lock = threading.Lock()
        self._connections: dict[NodeName, LeanConnection] = {}
        self._slot_owner: list[NodeName | None] = [None] * HASH_SLOTS
        self._known: set[NodeName] = set()
        self._last: NodeName = self._seed

    # --------------------------------------------------------------- slot map
    def load_slot_map(self, probe_timeout_s: float | None = None) -> None:
        """Read ``CLUSTER SLOTS``: from the seed in one attempt at start-up (``probe_timeout_s``),
        else from the node used most recently, under the command budget."""
        if probe_timeout_s is not None:
            reply = self.connection(self._seed).probe(probe_timeout_s, "CLUSTER", "SLOTS")
            asked = self._seed
        else:
            asked = self._last
            reply = self.connection(asked).execute("CLUSTER", "SLOTS")
        owners: list[NodeName | None] = [None] * HASH_SLOTS
        known: set[NodeName] = set()
        for low, high, primary, *replicas in reply:
            nodes = [self._node_name(node, asked) for node in (primary, *replicas)]
            known.update(nodes)
            owners[int(low) : int(high) + 1] = [nodes[0]] * (int(high) - int(low) + 1)
        if not reply:
            raise RedisRuntimeError("The cluster reported no slots with CLUSTER SLOTS")
        self._slot_owner = owners
        self._known = known

    @staticmethod
    def _node_name(node: Sequence[Any], asked: NodeName) -> NodeName:
        # An empty host means "the address you reached me at" (the node does not know its IP).
        host = _text(node[0]) or asked[0]
        return (_normal_host(host), int(node[1]))

    def node_named(self, host: str, port: int) -> NodeName | None:
        """The known node (primary or replica) at ``host:port``, or None."""
        name = (_normal_host(host), port)
        return name if name in self._known else None

    def connection(self, node: NodeName) -> LeanConnection:
        connection = self._connections.get(node)
        if connection is None:
            with self._lock:
                connection = self._connections.get(node)
                if connection is None:
                    connection = LeanConnection(TcpAddress(*node), self._timeouts)
                    self._connections[node] = connection
        return connection

    def close(self) -> None:
        for connection in list(self._connections.values()):
            connection.close()

    # --------------------------------------------------------------- routing
    def node_for(self, command: Sequence[Any]) -> NodeName:
        if len(command) > 1 and _command_name(command[0]) not in _KEYLESS:
            owner = self._slot_owner[key_slot(_key_bytes(command[1]))]
            if owner is not None:
                return owner
        return self._last

    def _follow(self, redirection: tuple[str, int, str, int], replied: NodeName) -> tuple[NodeName, bool]:
        """The node to try next and whether it needs ASKING; MOVED re-reads the slot map."""
        kind, slot, host, port = redirection
        target = (_normal_host(host or replied[0]), port)
        if kind == "ASK":
            return target, True
        self._slot_owner[slot] = target
        self._last = target
        self.load_slot_map()
        return target, False

    def _execute_reply(self, command: Sequence[Any], node: NodeName | None = None) -> Any:
        """The reply of ``command`` (an error reply returned, not raised), redirections followed."""
        node = self.node_for(command) if node is None else node
        asking = False
        for _ in range(_MAX_REDIRECTS):
            reply = self.connection(node).execute_reply(*command, asking=asking)
            self._last = node
            redirection = _redirection(str(reply)) if isinstance(reply, hiredis.ReplyError) else None
            if redirection is None:
                return reply
            node, asking = self._follow(redirection, node)
        return reply

    # --------------------------------------------------------------- commands
    def execute(self, *args: Any) -> Any:
        reply = self._execute_reply(args)
        if isinstance(reply, hiredis.ReplyError):
            raise RedisRuntimeError(f"Redis error when executing command: {reply}")
        return reply

    def execute_on(self, node: NodeName, *args: Any) -> Any:
        """Run a command on one given node (administration); a redirection is not followed."""
        reply = self.connection(node).execute_reply(*args)
        if isinstance(reply, hiredis.ReplyError):
            raise RedisRuntimeError(f"Redis error when executing command: {reply}")
        return reply

    def pipeline(self, commands: Sequence[Sequence[Any]]) -> list[Any]:
        """One pipeline per node (each in the order given), replies in the order of ``commands``.

        Error replies are returned, as from :meth:`LeanConnection.pipeline`; a command that was
        redirected is sent again, on its own, to the node named by the redirection.
        """
        groups: dict[NodeName, list[int]] = {}
        for index, command in enumerate(commands):
            groups.setdefault(self.node_for(command), []).append(index)
        replies: list[Any] = [None] * len(commands)
        for node, indices in groups.items():
            node_replies = self.connection(node).pipeline([commands[index] for index in indices])
            self._last = node
            for index, reply in zip(indices, node_replies, strict=True):
                replies[index] = reply
        for index, reply in enumerate(replies):
            if isinstance(reply, hiredis.ReplyError) and _redirection(str(reply)) is not None:
                replies[index] = self._execute_reply(commands[index])
        return replies

    def exchange_raw(self, args: Sequence[Any], read: Callable[[socket.socket], T]) -> T:
        """:meth:`LeanConnection.exchange_raw` on the node owning the key, redirections followed."""
        node = self.node_for(args)
        asking = False
        for attempt in range(_MAX_REDIRECTS):
            try:
                result = self.connection(node).exchange_raw(args, read, asking=asking)
            except ServerErrorReply as err:
                redirection = _redirection(err.reply_text)
                if redirection is None or attempt + 1 == _MAX_REDIRECTS:
                    raise
                node, asking = self._follow(redirection, node)
                continue
            self._last = node
            return result
        raise AssertionError("unreachable")


def _key_bytes(key: Any) -> str | bytes:
    if isinstance(key, (str, bytes)):
        return key
    if isinstance(key, (bytearray, memoryview)):
        return bytes(key)
    return str(key)
