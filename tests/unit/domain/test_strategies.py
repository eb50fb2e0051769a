import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartsim.domain.errors import SSUnsupportedError, UserStrategyError
from smartsim.domain.strategies import (
    all_perm,
    make_random,
    normalise_param_values,
    resolve_strategy,
    step,
)


def test_all_perm_last_key_varies_fastest() -> None:
    assert all_perm(["alpha", "beta"], [["1", "2"], ["x", "y"]]) == [
        {"alpha": "1", "beta": "x"},
        {"alpha": "1", "beta": "y"},
        {"alpha": "2", "beta": "x"},
        {"alpha": "2", "beta": "y"},
    ]


def test_step_zips_to_the_shortest() -> None:
    assert step(["a", "b"], [["1", "2", "3"], ["x", "y"]]) == [{"a": "1", "b": "x"}, {"a": "2", "b": "y"}]


def test_random_samples_distinct_members() -> None:
    chosen = make_random(random.Random(3))(["a", "b"], [["1", "2", "3"], ["x", "y"]], 4)
    assert len(chosen) == 4
    assert len({tuple(sorted(c.items())) for c in chosen}) == 4
    assert len(make_random(random.Random(3))(["a"], [["1", "2"]], 0)) == 2


def test_named_callable_and_unknown_strategies() -> None:
    assert resolve_strategy("step") is step
    custom = resolve_strategy(lambda names, values, n: [{"a": 1}])
    assert custom(["a"], [["1"]], 0) == [{"a": "1"}]
    with pytest.raises(UserStrategyError, match="list of dicts"):
        resolve_strategy(lambda names, values, n: "nope")(["a"], [["1"]], 0)
    with pytest.raises(SSUnsupportedError, match="not supported"):
        resolve_strategy("shuffle")


def test_parameter_values_are_normalised() -> None:
    assert normalise_param_values({"a": [1, 2], "b": "x", "c": 3}) == (
        ["a", "b", "c"],
        [["1", "2"], ["x"], ["3"]],
    )
    with pytest.raises(TypeError, match="Incorrect type for ensemble parameters"):
        normalise_param_values({"a": 1.5})


value_lists = st.lists(st.lists(st.text(max_size=3), min_size=1, max_size=4), min_size=1, max_size=3)


@given(value_lists)
def test_all_perm_size_is_the_product_and_every_set_has_every_name(values: list[list[str]]) -> None:
    names = [f"p{i}" for i in range(len(values))]
    sets = all_perm(names, values)
    expected = 1
    for options in values:
        expected *= len(options)
    assert len(sets) == expected
    assert all(set(s) == set(names) for s in sets)
    assert all(s[name] in values[i] for s in sets for i, name in enumerate(names))


@given(value_lists)
def test_step_size_is_the_shortest_list(values: list[list[str]]) -> None:
    names = [f"p{i}" for i in range(len(values))]
    assert len(step(names, values)) == min(len(v) for v in values)
