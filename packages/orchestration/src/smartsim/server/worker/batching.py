"""Batched runs: concatenate the requests' inputs along dim 0, run once, split the outputs back."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

BATCH_SIZE_ERROR = "ERR Model did not generate the expected batch size"


class BatchSizeError(ValueError):
    def __init__(self) -> None:
        super().__init__(BATCH_SIZE_ERROR)


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
