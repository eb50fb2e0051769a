"""Parsing of database addresses as SSDB writes them: ``host:port``, ``tcp://host:port``,
``unix:///path.sock``, or a comma-separated list of those.

Pure: no sockets are opened here.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

_ALLOWED = re.compile(r"[A-Za-z0-9.:,/_\-]")
_TCP_SCHEME = "tcp://"
_UNIX_SCHEME = "unix://"


@dataclass(frozen=True)
class TcpAddress:
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class UnixAddress:
    path: str

    def __str__(self) -> str:
        return f"{_UNIX_SCHEME}{self.path}"


Address = TcpAddress | UnixAddress


def parse_address(entry: str) -> Address:
    """Parse one address entry or raise ``ValueError`` naming it."""
    if entry.startswith(_UNIX_SCHEME):
        path = entry[len(_UNIX_SCHEME) :]
        if not path:
            raise ValueError(f"{entry} is not a valid database node address.")
        return UnixAddress(path)
    text = entry[len(_TCP_SCHEME) :] if entry.startswith(_TCP_SCHEME) else entry
    host, sep, port_text = text.partition(":")
    if not sep or not host or not port_text:
        raise ValueError(f"{entry} is not a valid database node address.")
    try:
        # Base 0 like C's stoul: "0x1f90" and "6379" both parse.
        port = int(port_text, 0)
    except ValueError:
        raise ValueError(f"{entry} is not a valid database node address.") from None
    if not 0 < port < 65536:
        raise ValueError(f"{entry} is not a valid database node address.")
    return TcpAddress(host, port)


def parse_ssdb(value: str) -> list[Address]:
    """Parse a whole SSDB value; every entry must be valid."""
    if not value:
        raise ValueError("The environment variable SSDB must be set to use the client.")
    for char in value:
        if not _ALLOWED.fullmatch(char):
            raise ValueError(f"The provided SSDB value, {value} is invalid because of character {char}")
    entries = [entry for entry in value.split(",") if entry]
    if not entries:
        raise ValueError(f"{value} is not a valid database node address.")
    return [parse_address(entry) for entry in entries]


def choose_address(addresses: list[Address], rng: random.Random | None = None) -> Address:
    """SmartRedis picks one entry uniformly at random, spreading clients over the shards."""
    return (rng or random).choice(addresses)
