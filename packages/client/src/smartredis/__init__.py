"""smartredis: put and get tensors (and, soon, datasets, lists, models and scripts) in the
SmartSim Orchestrator from inside an application. Compatible with the SmartRedis Python API."""

from __future__ import annotations

from importlib import metadata as _metadata

from . import error
from .client import Client
from .configoptions import ConfigOptions
from .dataset import Dataset
from .dataset_utils import DatasetConverter
from .error import *  # noqa: F403  (the exception classes, listed in error.__all__)
from .logger import (
    LLDebug,
    LLDeveloper,
    LLInfo,
    LLQuiet,
    LogContext,
    SRLoggingLevel,
    SRObject,
    log_data,
    log_error,
    log_warning,
)

try:
    __version__ = _metadata.version("smartredis")
except _metadata.PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0"

__all__ = [
    "Client",
    "ConfigOptions",
    "Dataset",
    "DatasetConverter",
    "LLDebug",
    "LLDeveloper",
    "LLInfo",
    "LLQuiet",
    "LogContext",
    "SRLoggingLevel",
    "SRObject",
    "__version__",
    "log_data",
    "log_error",
    "log_warning",
    *error.__all__,
]
