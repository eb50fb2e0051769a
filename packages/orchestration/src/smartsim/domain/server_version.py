"""Which database server binaries are good enough, decided from their ``--version`` text."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Redis 6.2 is the oldest server with every module API the AI module needs.
MINIMUM_REDIS = (6, 2, 0)
# Every Valkey release (7.2 onwards) descends from Redis 7.2.
MINIMUM_VALKEY = (7, 2, 0)

_VERSION_LINE = re.compile(r"^(Redis|Valkey|KeyDB) server v=(\d+)\.(\d+)\.(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class ServerVersion:
    flavour: str  # "redis" or "valkey"
    version: tuple[int, int, int]

    def __str__(self) -> str:
        return f"{self.flavour.capitalize()} {'.'.join(map(str, self.version))}"

    @property
    def is_supported(self) -> bool:
        minimum = MINIMUM_VALKEY if self.flavour == "valkey" else MINIMUM_REDIS
        return self.flavour in ("redis", "valkey") and self.version >= minimum


def parse_server_version(text: str) -> ServerVersion | None:
    """Read e.g. ``Valkey server v=8.1.8 sha=...`` or ``Redis server v=7.0.15 ...``."""
    match = _VERSION_LINE.match(text.strip())
    if match is None:
        return None
    flavour = match.group(1).lower()
    major, minor, patch = (int(part) for part in match.group(2, 3, 4))
    return ServerVersion(flavour, (major, minor, patch))
