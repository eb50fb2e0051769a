"""Batched runs: concatenate the requests' inputs along dim 0, run once, split the outputs back."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np

from .protocol import Outcome, WorkerError

BATCH_SIZE_ERROR = "ERR Model did not generate the expected batch size"

log = logging.getLogger("smartsim.server.worker")

R = TypeVar("R")


class BatchSizeError(WorkerError, ValueError):
    """The merged run's outputs do not have the batch's total as dim 0: a property of the model,
    so every request of the batch gets it (as in RedisAI)."""

    def __init__(self) -> None:
        super().__init__(BATCH_SIZE_ERROR)


def as_worker_error(error: Exception) -> WorkerError:
    """The error a caller sees: a WorkerError verbatim, anything else with its type named."""
    if isinstance(error, WorkerError):
        return error
    return WorkerError(f"ERR {type(error).__name__}: {error}")


def rows(inputs: Sequence[np.ndarray]) -> int:
    """dim 0 of a request (all its inputs share it); 0 for a request without inputs."""
    return int(inputs[0].shape[0]) if inputs and inputs[0].ndim else 0


def concat(requests: Sequence[Sequence[np.ndarray]]) -> list[np.ndarray]:
    """Input i of the merged run is input i of every request, concatenated along dim 0."""
    if len(requests) == 1:
        return list(requests[0])
    return [np.concatenate([request[i] for request in requests]) for i in range(len(requests[0]))]


def split(outputs: Sequence[np.ndarray], sizes: Sequence[int]) -> list[list[np.ndarray]]:
    """Split every output along dim 0 into ``sizes``; dim 0 must equal their sum."""
    if len(sizes) == 1:
        return [list(outputs)]
    total = sum(sizes)
    for out in outputs:
        if out.ndim == 0 or out.shape[0] != total:
            raise BatchSizeError()
    bounds = np.cumsum([0, *sizes])
    return [[out[bounds[r] : bounds[r + 1]] for out in outputs] for r in range(len(sizes))]


def run_batched(
    execute: Callable[[list[np.ndarray]], list[np.ndarray]], requests: Sequence[Sequence[np.ndarray]]
) -> list[list[np.ndarray]]:
    """Outputs per request of ``execute`` run once over the merged inputs."""
    sizes = [rows(request) for request in requests]
    return split(execute(concat(requests)), sizes)


def outcomes_per_request(
    execute: Callable[[Sequence[R]], list[list[np.ndarray]]], requests: Sequence[R]
) -> list[Outcome]:
    """The outputs or the error of every request of a run.

    ``execute`` runs the requests together (merged into one batch when there are several). When
    that fails, each request runs again on its own, so one caller's bad input or a request the
    model rejects fails only that caller; the others get their results. A wrong batch size of the
    merged outputs is the model's fault and fails every request."""
    try:
        return list(execute(requests))
    except BatchSizeError:
        raise
    except Exception as error:
        if len(requests) == 1:
            raise
        log.info("batched run of %d requests failed (%s); running them one by one", len(requests), error)
    outcomes: list[Outcome] = []
    for request in requests:
        try:
            outcomes.extend(execute([request]))
        except Exception as error:
            outcomes.append(as_worker_error(error))
    return outcomes
