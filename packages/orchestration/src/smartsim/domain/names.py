"""Validation of entity names: a name becomes a directory, a file prefix and a key prefix."""

from __future__ import annotations

import re

_SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")


def validate_entity_name(name: object, kind: str = "Entity") -> str:
    """Return ``name`` if it can safely name a directory and files; raise otherwise.

    Refused: non-strings, the empty string, ``.``/``..`` and anything with a path separator,
    whitespace or a character a shell or a file system would treat specially.
    """
    if name is None:
        raise AttributeError(f"{kind} has no name. Please set name attribute.")
    if not isinstance(name, str):
        raise TypeError(f"{kind} name must be a string, got {type(name).__name__}")
    if name in ("", ".", "..") or not _SAFE_NAME.fullmatch(name):
        raise ValueError(
            f"{kind} name {name!r} is not allowed: use letters, digits, '_', '-' and '.', "
            "starting with a letter, digit or '_' (it names a directory and output files)"
        )
    return name
