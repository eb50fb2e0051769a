"""Finding the AI module (the shared object every shard loads at start)."""

from __future__ import annotations

import importlib.util
import os

from ...domain.errors import SSConfigError

AI_MODULE_ENV = "SMARTSIM_AI_MODULE"
_MODULE_IMPORT_NAME = "smartsim.server.module._smartsim_ai"


def built_module_path() -> str | None:
    """The module built with the package, located without loading it into Python."""
    try:
        spec = importlib.util.find_spec(_MODULE_IMPORT_NAME)
    except ModuleNotFoundError:
        return None
    return spec.origin if spec is not None and spec.origin else None


def resolve_ai_module() -> str:
    """``$SMARTSIM_AI_MODULE`` if set, else the module built with the ``smartsim`` package."""
    override = os.environ.get(AI_MODULE_ENV)
    if override:
        if not os.path.isfile(override):
            raise SSConfigError(f"${AI_MODULE_ENV} points to {override!r}, which does not exist.")
        return os.path.abspath(override)
    path = built_module_path()
    if path is None or not os.path.isfile(path):
        raise SSConfigError(
            "The AI module was not built with this installation of smartsim. Reinstall it with "
            "`pip install --force-reinstall --no-deps smartsim` (a C compiler is needed), or set "
            f"${AI_MODULE_ENV} to a built module."
        )
    return path
