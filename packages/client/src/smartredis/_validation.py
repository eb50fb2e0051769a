"""Argument checks shared by the client's methods (TypeError before any traffic, as SmartRedis)."""

from __future__ import annotations

from typing import Any


def check_type(value: Any, expected: type | tuple[type, ...], name: str) -> None:
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise TypeError(f"Argument {name} provided was of type {type(value)}, not {expected}")


def as_name_list(value: str | list[str] | None, name: str) -> list[str]:
    """A single name becomes a one-element list; None an empty one."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise TypeError(f"Argument {name} must be a str or a list of str")
