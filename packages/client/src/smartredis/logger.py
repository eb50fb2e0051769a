"""Logging with SmartRedis' levels, variables and line format.

``SR_LOG_FILE`` (append; stdout when unset) and ``SR_LOG_LEVEL`` (quiet, info, debug, developer;
default info) are read once per process, at the first log call. A line reads
``<context>@<HH-MM-SS>:<text>``; warnings and errors are prefixed ``WARNING: `` / ``ERROR: ``.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from enum import IntEnum
from typing import TextIO

from .error import RedisRuntimeError


class SRLoggingLevel(IntEnum):
    LLQuiet = 1
    LLInfo = 2
    LLDebug = 3
    LLDeveloper = 4


LLQuiet = SRLoggingLevel.LLQuiet
LLInfo = SRLoggingLevel.LLInfo
LLDebug = SRLoggingLevel.LLDebug
LLDeveloper = SRLoggingLevel.LLDeveloper

_LEVEL_NAMES = {
    "quiet": LLQuiet,
    "info": LLInfo,
    "debug": LLDebug,
    "developer": LLDeveloper,
}


class _Sink:
    """Where log lines go; configured once, at the first message."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._configured = False
        self._level = LLInfo
        self._path: str | None = None

    def _configure(self) -> None:
        level_text = os.environ.get("SR_LOG_LEVEL", "")
        if level_text:
            try:
                self._level = _LEVEL_NAMES[level_text.lower()]
            except KeyError:
                raise RedisRuntimeError(f"Unrecognized logging level: {level_text}") from None
        self._path = os.environ.get("SR_LOG_FILE") or None
        self._configured = True
        if self._path is None:
            self._emit(
                "SmartRedis Library",
                LLInfo,
                "Environment variable SR_LOG_FILE is not set. Defaulting to stdout",
            )

    def _emit(self, context: str, level: SRLoggingLevel, text: str) -> None:
        if level > self._level:
            return
        line = f"{context}@{time.strftime('%H-%M-%S')}:{text}\n"
        if self._path is None:
            stream: TextIO = sys.stdout
            stream.write(line)
            stream.flush()
            return
        try:
            with open(self._path, "a", encoding="utf-8") as handle:
                handle.write(line)
        except OSError:
            raise RedisRuntimeError(f"Cannot write to file: {self._path}") from None

    def log(self, context: str, level: SRLoggingLevel, text: str) -> None:
        with self._lock:
            if not self._configured:
                self._configure()
            self._emit(context, level, text)


_sink = _Sink()


def _check(context: str, level: object, data: str) -> SRLoggingLevel:
    if not isinstance(context, str):
        raise TypeError(f"Argument context provided was of type {type(context)}, not <class 'str'>")
    if not isinstance(data, str):
        raise TypeError(f"Argument data provided was of type {type(data)}, not <class 'str'>")
    if not isinstance(level, SRLoggingLevel):
        raise TypeError(f"Argument level provided was of type {type(level)}, not SRLoggingLevel")
    return level


def log_data(context: str, level: SRLoggingLevel, data: str) -> None:
    _sink.log(context, _check(context, level, data), data)


def log_warning(context: str, level: SRLoggingLevel, data: str) -> None:
    _sink.log(context, _check(context, level, data), "WARNING: " + data)


def log_error(context: str, level: SRLoggingLevel, data: str) -> None:
    _sink.log(context, _check(context, level, data), "ERROR: " + data)


class SRObject:
    """Something that logs under a context name (Client, Dataset, LogContext)."""

    def __init__(self, context: str) -> None:
        if not isinstance(context, str):
            raise TypeError(f"Argument context provided was of type {type(context)}, not <class 'str'>")
        self._log_context = context

    def log_data(self, level: SRLoggingLevel, data: str) -> None:
        log_data(self._log_context, level, data)

    def log_warning(self, level: SRLoggingLevel, data: str) -> None:
        log_warning(self._log_context, level, data)

    def log_error(self, level: SRLoggingLevel, data: str) -> None:
        log_error(self._log_context, level, data)


class LogContext(SRObject):
    """A named context for log lines that belong to no client or dataset."""


def _reset_for_tests() -> None:
    """Forget the configuration so the next message reads the environment again."""
    global _sink
    _sink = _Sink()
