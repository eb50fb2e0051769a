"""SR_CONN_* / SR_CMD_* / SR_SOCKET_TIMEOUT: parsing, validation texts and defaults.

The expected messages are the ones the real SmartRedis 0.6.1 wheel raises for the same values.
"""

from __future__ import annotations

import re

import pytest

from smartredis import Client, ConfigOptions
from smartredis._timeouts import Timeouts, read_timeouts

VARIABLES = ["SR_CONN_TIMEOUT", "SR_CONN_INTERVAL", "SR_CMD_TIMEOUT", "SR_CMD_INTERVAL", "SR_SOCKET_TIMEOUT"]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [*VARIABLES, "SR_THREAD_COUNT"]:
        monkeypatch.delenv(name, raising=False)


def _config(**values: str) -> ConfigOptions:
    config = ConfigOptions.create_from_environment("")
    for name, value in values.items():
        config.override_string_option(name, value)
    return config


def test_defaults() -> None:
    timeouts = read_timeouts(_config())
    assert timeouts == Timeouts(
        conn_timeout_s=5, conn_interval_s=0.05, cmd_timeout_s=100, cmd_interval_s=1.0, socket_timeout_s=None
    )
    assert timeouts.command_attempts == 101
    assert not timeouts.resend_after_reply_timeout


def test_values_and_units() -> None:
    timeouts = read_timeouts(
        _config(
            SR_CONN_TIMEOUT="2",
            SR_CONN_INTERVAL="250",
            SR_CMD_TIMEOUT="2",
            SR_CMD_INTERVAL="500",
            SR_SOCKET_TIMEOUT="300",
        )
    )
    assert (timeouts.conn_timeout_s, timeouts.conn_interval_s) == (2, 0.25)
    assert (timeouts.cmd_timeout_s, timeouts.cmd_interval_s, timeouts.socket_timeout_s) == (2, 0.5, 0.3)
    # SmartRedis: SR_CMD_TIMEOUT*1000/SR_CMD_INTERVAL + 1 attempts.
    assert timeouts.command_attempts == 5
    assert timeouts.resend_after_reply_timeout


@pytest.mark.parametrize("name", VARIABLES)
def test_an_empty_value_means_the_default(name: str) -> None:
    assert read_timeouts(_config(**{name: ""})) == Timeouts()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SR_CMD_TIMEOUT", "abc", "The value of SR_CMD_TIMEOUT must be a valid number."),
        ("SR_CMD_TIMEOUT", "12x", "The value of SR_CMD_TIMEOUT must be a valid number."),
        ("SR_CMD_TIMEOUT", "+3", "The value of SR_CMD_TIMEOUT must be a valid number."),
        ("SR_CMD_TIMEOUT", " 3", "The value of SR_CMD_TIMEOUT must be a valid number."),
        ("SR_CMD_TIMEOUT", "1.5", "The value of SR_CMD_TIMEOUT must be a valid number."),
        ("SR_CMD_TIMEOUT", "-", "The value of SR_CMD_TIMEOUT could not be converted to type integer."),
        (
            "SR_CMD_TIMEOUT",
            "2147483648",
            "The value of SR_CMD_TIMEOUT is too large to be stored as an integer value.",
        ),
        (
            "SR_CMD_INTERVAL",
            "-2147483649",
            "The value of SR_CMD_INTERVAL is too large to be stored as an integer value.",
        ),
        ("SR_THREAD_COUNT", "abc", "The value of SR_THREAD_COUNT must be a valid number."),
        ("SR_CONN_TIMEOUT", "0", "SR_CONN_TIMEOUT must be greater than 0."),
        ("SR_CONN_TIMEOUT", "-7", "SR_CONN_TIMEOUT must be greater than 0."),
        ("SR_CONN_TIMEOUT", "2147484", "SR_CONN_TIMEOUT must be less than 2147483"),
        ("SR_CONN_INTERVAL", "0", "SR_CONN_INTERVAL must be greater than 0."),
        ("SR_CMD_TIMEOUT", "0", "SR_CMD_TIMEOUT 0 must be greater than 0."),
        ("SR_CMD_TIMEOUT", "-0", "SR_CMD_TIMEOUT 0 must be greater than 0."),
        ("SR_CMD_TIMEOUT", "-7", "SR_CMD_TIMEOUT -7 must be greater than 0."),
        ("SR_CMD_TIMEOUT", "2147484", "SR_CMD_TIMEOUT 2147484 must be less than 2147483"),
        ("SR_CMD_INTERVAL", "0", "SR_CMD_INTERVAL must be greater than 0."),
        ("SR_SOCKET_TIMEOUT", "0", "SR_SOCKET_TIMEOUT must be greater than 0."),
        ("SR_SOCKET_TIMEOUT", "-5", "SR_SOCKET_TIMEOUT must be greater than 0."),
    ],
)
def test_bad_values_are_refused_with_smartredis_messages(name: str, value: str, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        read_timeouts(_config(**{name: value}))
    assert str(raised.value) == message


def test_the_largest_accepted_timeouts() -> None:
    timeouts = read_timeouts(_config(SR_CONN_TIMEOUT="2147483", SR_CMD_TIMEOUT="2147483"))
    assert timeouts.conn_timeout_s == timeouts.cmd_timeout_s == 2147483


def test_all_values_are_parsed_before_any_is_checked() -> None:
    with pytest.raises(ValueError, match=re.escape("The value of SR_CMD_INTERVAL must be a valid number.")):
        read_timeouts(_config(SR_CONN_TIMEOUT="0", SR_CMD_INTERVAL="abc"))
    with pytest.raises(ValueError, match=re.escape("SR_CONN_INTERVAL must be greater than 0.")):
        read_timeouts(_config(SR_CMD_TIMEOUT="0", SR_CONN_INTERVAL="0"))


def test_a_suffix_names_the_suffixed_variable_in_parse_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SR_CMD_TIMEOUT_db2", "abc")
    with pytest.raises(
        ValueError, match=re.escape("The value of SR_CMD_TIMEOUT_db2 must be a valid number.")
    ):
        read_timeouts(ConfigOptions.create_from_environment("db2"))
    monkeypatch.setenv("SR_CMD_TIMEOUT_db2", "0")
    with pytest.raises(ValueError, match=re.escape("SR_CMD_TIMEOUT 0 must be greater than 0.")):
        read_timeouts(ConfigOptions.create_from_environment("db2"))


def test_the_client_refuses_bad_values_before_connecting(monkeypatch: pytest.MonkeyPatch) -> None:
    # Port 1 has no server: a ValueError (not a connection error) proves validation comes first.
    monkeypatch.setenv("SSDB", "127.0.0.1:1")
    monkeypatch.setenv("SR_DB_TYPE", "Standalone")
    monkeypatch.setenv("SR_SOCKET_TIMEOUT", "0")
    with pytest.raises(ValueError, match=re.escape("SR_SOCKET_TIMEOUT must be greater than 0.")):
        Client()
