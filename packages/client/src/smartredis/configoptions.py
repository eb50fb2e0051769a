"""``ConfigOptions``: where a client reads its settings (environment plus per-instance overrides)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from .error import RedisKeyError, RedisRuntimeError
from .keys import suffixed

_INT32_MIN = -(2**31)
_INT32_MAX = 2**31 - 1


class ConfigOptions:
    """Options read from the environment, with an optional suffix that selects one database.

    Build it with :meth:`create_from_environment`; a bare ``ConfigOptions()`` refuses every call,
    as in SmartRedis.
    """

    def __init__(self) -> None:
        self._suffix: str | None = None
        self._overrides: dict[str, str] = {}
        self._environ: Mapping[str, str] = os.environ

    @classmethod
    def create_from_environment(cls, db_suffix: str) -> ConfigOptions:
        if not isinstance(db_suffix, str):
            raise TypeError(f"Argument provided was of type {type(db_suffix)}, not str")
        options = cls()
        options._suffix = db_suffix
        return options

    @property
    def suffix(self) -> str:
        return self._require_suffix()

    def _require_suffix(self) -> str:
        if self._suffix is None:
            raise RedisRuntimeError(
                "ConfigOptions was not built with create_from_environment(); it has no source."
            )
        return self._suffix

    def _name(self, option_name: str) -> str:
        return suffixed(option_name, self._require_suffix())

    def _lookup(self, option_name: str) -> str | None:
        name = self._name(option_name)
        if name in self._overrides:
            return self._overrides[name]
        return self._environ.get(name)

    def get_string_option(self, option_name: str) -> str:
        value = self._lookup(option_name)
        if value is None:
            raise RedisKeyError(f"No value found for key {self._name(option_name)}")
        return value

    def get_integer_option(self, option_name: str) -> int:
        text = self.get_string_option(option_name)
        try:
            return int(text)
        except ValueError:
            raise ValueError(
                f"The value {text} for option {self._name(option_name)} is not an integer"
            ) from None

    def string_option_or(self, option_name: str, default: str) -> str:
        """The option's value, or ``default`` when it is absent (client-internal helper)."""
        value = self._lookup(option_name)
        return default if value is None else value

    def smartredis_integer_or(self, option_name: str, default: int) -> int:
        """The option parsed as SmartRedis parses its integer settings (client-internal helper).

        Unset or empty means ``default``; otherwise the text must be digits with an optional
        leading '-' and fit a 32-bit int. The ValueError texts are SmartRedis' own.
        """
        text = self._lookup(option_name)
        if not text:
            return default
        name = self._name(option_name)
        digits = text[1:] if text.startswith("-") else text
        if not all("0" <= char <= "9" for char in digits):
            raise ValueError(f"The value of {name} must be a valid number.")
        if not digits:
            raise ValueError(f"The value of {name} could not be converted to type integer.")
        value = int(text)
        if not _INT32_MIN <= value <= _INT32_MAX:
            raise ValueError(f"The value of {name} is too large to be stored as an integer value.")
        return value

    def is_configured(self, option_name: str) -> bool:
        return self._lookup(option_name) is not None

    def override_integer_option(self, option_name: str, value: int) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"Argument provided was of type {type(value)}, not int")
        self._overrides[self._name(option_name)] = str(value)

    def override_string_option(self, option_name: str, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError(f"Argument provided was of type {type(value)}, not str")
        self._overrides[self._name(option_name)] = value
