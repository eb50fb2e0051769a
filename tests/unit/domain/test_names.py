import pytest

from smartsim.domain.names import validate_entity_name


@pytest.mark.parametrize("name", ["sim", "sim_1", "a.b", "x-y", "_hidden", "0start"])
def test_safe_names_pass(name: str) -> None:
    assert validate_entity_name(name) == name


@pytest.mark.parametrize("name", ["", ".", "..", "a/b", "../x", "a b", "a\\b", "-flag", "a;b", "é"])
def test_unsafe_names_are_refused_with_the_name_in_the_message(name: str) -> None:
    with pytest.raises(ValueError, match="not allowed"):
        validate_entity_name(name, "Model")


def test_missing_and_non_string_names() -> None:
    with pytest.raises(AttributeError, match="has no name"):
        validate_entity_name(None)
    with pytest.raises(TypeError, match="must be a string"):
        validate_entity_name(3)
