"""Tag substitution: parameters replaced with the chosen tag, unknown tags reported and kept."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartsim.domain.tagging import substitute

names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True)
values = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), max_size=8
)
tags = st.sampled_from([";", "@", "$$", "{{", "%", ".", "*"])


def test_default_tag() -> None:
    result = substitute("alpha = ;alpha;\nbeta = ;beta; ;alpha;\n", {"alpha": "1", "beta": "x"})
    assert result.text == "alpha = 1\nbeta = x 1\n"
    assert result.used == {"alpha", "beta"} and result.unknown == {}


def test_unknown_tags_are_kept_and_reported_with_lines() -> None:
    result = substitute("d = ;unknown; e = ;alpha;\nf = ;unknown;\n", {"alpha": "1"})
    assert result.text == "d = ;unknown; e = 1\nf = ;unknown;\n"
    assert result.unknown == {"unknown": [1, 2]}


def test_regex_characters_in_the_tag_are_literal_and_matching_is_not_greedy() -> None:
    result = substitute("x = @alpha@ y = @beta@", {"alpha": "1", "beta": "2"}, tag="@")
    assert result.text == "x = 1 y = 2"
    assert substitute("a .x. b", {"x": "7"}, tag=".").text == "a 7 b"


def test_empty_tag_is_refused() -> None:
    with pytest.raises(ValueError):
        substitute("x", {}, tag="")


@given(params=st.dictionaries(names, values, min_size=1, max_size=5), tag=tags, data=st.data())
def test_every_known_tag_is_replaced_by_its_value(
    params: dict[str, str], tag: str, data: st.DataObject
) -> None:
    order = data.draw(st.lists(st.sampled_from(sorted(params)), min_size=1, max_size=6))
    template = " | ".join(f"{tag}{name}{tag}" for name in order)
    result = substitute(template, params, tag)
    assert result.text == " | ".join(params[name] for name in order)
    assert result.used == set(order)
    assert result.unknown == {}


@given(text=st.text(alphabet="abc =\n", max_size=40), tag=tags)
def test_text_without_tags_is_unchanged(text: str, tag: str) -> None:
    if tag not in text:
        assert substitute(text, {"a": "1"}, tag).text == text


@given(name=names, tag=tags)
def test_unknown_names_survive_untouched(name: str, tag: str) -> None:
    template = f"x = {tag}{name}{tag}\n"
    result = substitute(template, {}, tag)
    assert result.text == template
    assert result.unknown == {name: [1]}
    assert re.search(re.escape(name), result.text)
