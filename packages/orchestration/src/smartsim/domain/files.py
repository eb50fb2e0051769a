"""Files attached to an entity for generation: what to copy, link and configure (a value)."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

RESERVED_FILE_NAME = "smartsim_params.txt"


def _as_list(value: str | list[str] | None, label: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise TypeError(f"{label} must be a str or a list of str, got {type(value).__name__}")


@dataclass(frozen=True)
class EntityFiles:
    to_copy: list[str] = field(default_factory=list)
    to_symlink: list[str] = field(default_factory=list)
    to_configure: list[str] = field(default_factory=list)

    @classmethod
    def from_arguments(
        cls,
        to_copy: str | list[str] | None,
        to_symlink: str | list[str] | None,
        to_configure: str | list[str] | None,
    ) -> EntityFiles:
        files = cls(
            _as_list(to_copy, "to_copy"),
            _as_list(to_symlink, "to_symlink"),
            _as_list(to_configure, "to_configure"),
        )
        for path in files.all_paths():
            if posixpath.basename(path.rstrip("/")) == RESERVED_FILE_NAME:
                raise ValueError(f"{RESERVED_FILE_NAME} is a reserved file name; rename {path}")
        return files

    def all_paths(self) -> list[str]:
        return [*self.to_copy, *self.to_symlink, *self.to_configure]

    def table(self) -> str:
        rows = [("Copy", self.to_copy), ("Symlink", self.to_symlink), ("Configure", self.to_configure)]
        lines = [f"{label:<10} {path}" for label, paths in rows for path in paths]
        return "\n".join(lines) if lines else "No file attached to this model."
