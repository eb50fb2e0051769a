"""The connect and command budgets of a client (``SR_CONN_*``, ``SR_CMD_*``, ``SR_SOCKET_TIMEOUT``).

The variables, their units and their validation (including the ValueError texts) are
SmartRedis 0.6.1's. Three defaults differ on purpose (docs/decisions/0005-client-timeouts.md):
the connect budget is 5 s (a wrong address fails fast), the first reconnect after an IO error
happens at once, and without an explicit ``SR_SOCKET_TIMEOUT`` a command whose reply is late is
never sent again (a slow model is not executed twice).
"""

from __future__ import annotations

from dataclasses import dataclass

from .configoptions import ConfigOptions

DEFAULT_CONN_TIMEOUT_S = 5
DEFAULT_CONN_INTERVAL_MS = 50
DEFAULT_CMD_TIMEOUT_S = 100
DEFAULT_CMD_INTERVAL_MS = 1000
DEFAULT_THREAD_COUNT = 4
# SmartRedis multiplies the timeouts by 1000 into an int: larger values are refused.
_MAX_TIMEOUT_S = (2**31 - 1) // 1000


@dataclass(frozen=True)
class Timeouts:
    conn_timeout_s: float = DEFAULT_CONN_TIMEOUT_S
    conn_interval_s: float = DEFAULT_CONN_INTERVAL_MS / 1000
    cmd_timeout_s: float = DEFAULT_CMD_TIMEOUT_S
    cmd_interval_s: float = DEFAULT_CMD_INTERVAL_MS / 1000
    # None: each attempt may wait for its reply until the command budget is spent.
    socket_timeout_s: float | None = None

    @property
    def command_attempts(self) -> int:
        """SmartRedis' count: ``SR_CMD_TIMEOUT*1000/SR_CMD_INTERVAL + 1``."""
        return int(self.cmd_timeout_s * 1000) // max(1, round(self.cmd_interval_s * 1000)) + 1

    @property
    def resend_after_reply_timeout(self) -> bool:
        """A command whose reply timed out may have run: send it again only when the user asked
        for SmartRedis' per-attempt socket timeout explicitly."""
        return self.socket_timeout_s is not None


def read_timeouts(config: ConfigOptions) -> Timeouts:
    """Read and validate the variables as SmartRedis does (same order, same messages)."""
    conn_timeout = config.smartredis_integer_or("SR_CONN_TIMEOUT", DEFAULT_CONN_TIMEOUT_S)
    conn_interval = config.smartredis_integer_or("SR_CONN_INTERVAL", DEFAULT_CONN_INTERVAL_MS)
    cmd_timeout = config.smartredis_integer_or("SR_CMD_TIMEOUT", DEFAULT_CMD_TIMEOUT_S)
    cmd_interval = config.smartredis_integer_or("SR_CMD_INTERVAL", DEFAULT_CMD_INTERVAL_MS)
    # Unset or empty: our default (no per-attempt reply timeout); "0" is an error as in SmartRedis.
    socket_timeout: int | None = None
    if config.string_option_or("SR_SOCKET_TIMEOUT", ""):
        socket_timeout = config.smartredis_integer_or("SR_SOCKET_TIMEOUT", 0)
    config.smartredis_integer_or("SR_THREAD_COUNT", DEFAULT_THREAD_COUNT)  # validated, not used
    if conn_timeout <= 0:
        raise ValueError("SR_CONN_TIMEOUT must be greater than 0.")
    if conn_timeout > _MAX_TIMEOUT_S:
        raise ValueError(f"SR_CONN_TIMEOUT must be less than {_MAX_TIMEOUT_S}")
    if conn_interval <= 0:
        raise ValueError("SR_CONN_INTERVAL must be greater than 0.")
    if cmd_timeout <= 0:
        raise ValueError(f"SR_CMD_TIMEOUT {cmd_timeout} must be greater than 0.")
    if cmd_timeout > _MAX_TIMEOUT_S:
        raise ValueError(f"SR_CMD_TIMEOUT {cmd_timeout} must be less than {_MAX_TIMEOUT_S}")
    if cmd_interval <= 0:
        raise ValueError("SR_CMD_INTERVAL must be greater than 0.")
    if socket_timeout is not None and socket_timeout <= 0:
        raise ValueError("SR_SOCKET_TIMEOUT must be greater than 0.")
    return Timeouts(
        conn_timeout_s=conn_timeout,
        conn_interval_s=conn_interval / 1000,
        cmd_timeout_s=cmd_timeout,
        cmd_interval_s=cmd_interval / 1000,
        socket_timeout_s=None if socket_timeout is None else socket_timeout / 1000,
    )
