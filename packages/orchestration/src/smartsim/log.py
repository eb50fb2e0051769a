"""``smartsim.log``: loggers for driver scripts, as SmartSim provides them.

``get_logger(name)`` returns a ``logging.Logger`` that prints ``HH:MM:SS name LEVEL message`` to
stderr. The level comes from ``log_level`` or ``SMARTSIM_LOG_LEVEL`` (quiet, info, debug,
developer; default info).
"""

from __future__ import annotations

import logging
import os
import sys

_LEVELS = {"quiet": logging.WARNING, "info": logging.INFO, "debug": logging.DEBUG, "developer": logging.DEBUG}
_DEFAULT_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"


def _level(name: str | None) -> int:
    text = (name or os.environ.get("SMARTSIM_LOG_LEVEL") or "info").lower()
    if text not in _LEVELS:
        raise ValueError(f"Unknown log level {text!r}: use quiet, info, debug or developer")
    return _LEVELS[text]


def get_logger(name: str, log_level: str | None = None, fmt: str | None = None) -> logging.Logger:
    logger = logging.getLogger(name)
    logger.setLevel(_level(log_level))
    if not any(getattr(handler, "_smartsim", False) for handler in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(fmt or _DEFAULT_FORMAT, datefmt="%H:%M:%S"))
        handler._smartsim = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.propagate = False
    return logger


def log_to_file(filename: str, log_level: str = "debug", logger: logging.Logger | None = None) -> None:
    """Also write the driver's log records to ``filename``."""
    target = logger or logging.getLogger("smartsim")
    handler = logging.FileHandler(filename)
    handler.setLevel(_level(log_level))
    handler.setFormatter(logging.Formatter(_DEFAULT_FORMAT, datefmt="%H:%M:%S"))
    target.addHandler(handler)
