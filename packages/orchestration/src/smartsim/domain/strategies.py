"""Permutation strategies: how an ensemble's parameter lists become one parameter set per member.

Each strategy takes the parameter names, their values (lists of strings, in the same order) and
the number of members wanted (used by ``random`` only), and returns one dict per member.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Sequence

from .errors import SSUnsupportedError, UserStrategyError

ParamSets = list[dict[str, str]]
Strategy = Callable[[list[str], list[list[str]], int], ParamSets]


def all_perm(names: list[str], values: list[list[str]], n_models: int = 0) -> ParamSets:
    """Every combination; the last parameter varies fastest."""
    return [dict(zip(names, combination, strict=True)) for combination in itertools.product(*values)]


def step(names: list[str], values: list[list[str]], n_models: int = 0) -> ParamSets:
    """The i-th member takes the i-th value of every parameter (stops at the shortest list)."""
    return [dict(zip(names, combination, strict=True)) for combination in zip(*values, strict=False)]


def make_random(rng: random.Random | None = None) -> Strategy:
    """``n_models`` distinct combinations drawn at random (all of them when n_models is 0 or too big)."""

    def random_perm(names: list[str], values: list[list[str]], n_models: int = 0) -> ParamSets:
        every = all_perm(names, values)
        if 0 < n_models < len(every):
            return (rng or random).sample(every, n_models)
        return every

    return random_perm


NAMED_STRATEGIES: dict[str, Strategy] = {"all_perm": all_perm, "step": step, "random": make_random()}


def resolve_strategy(strategy: str | Callable[..., object]) -> Strategy:
    if callable(strategy):
        return _checked_user_strategy(strategy)
    if isinstance(strategy, str) and strategy in NAMED_STRATEGIES:
        return NAMED_STRATEGIES[strategy]
    raise SSUnsupportedError(
        f"Permutation strategy {strategy!r} is not supported; use one of "
        f"{', '.join(NAMED_STRATEGIES)} or a callable"
    )


def _checked_user_strategy(strategy: Callable[..., object]) -> Strategy:
    def run(names: list[str], values: list[list[str]], n_models: int = 0) -> ParamSets:
        try:
            result = strategy(names, values, n_models)
        except Exception as err:
            raise UserStrategyError(f"The permutation strategy {strategy!r} failed: {err}") from err
        if not isinstance(result, list) or not all(isinstance(item, dict) for item in result):
            raise UserStrategyError(
                f"The permutation strategy {strategy!r} must return a list of dicts, "
                f"got {type(result).__name__}"
            )
        return [{str(k): str(v) for k, v in item.items()} for item in result]

    return run


def normalise_param_values(params: dict[str, object]) -> tuple[list[str], list[list[str]]]:
    """Names and string value lists; a scalar int or str is a one-value list."""
    names: list[str] = []
    values: list[list[str]] = []
    for name, value in params.items():
        if isinstance(value, (int, str)) and not isinstance(value, bool):
            values.append([str(value)])
        elif isinstance(value, Sequence) and not isinstance(value, str):
            values.append([str(item) for item in value])
        else:
            raise TypeError(f"Incorrect type for ensemble parameters: {name}={value!r}")
        names.append(name)
    return names, values
