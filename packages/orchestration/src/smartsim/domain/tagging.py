"""Tagged-parameter substitution in configuration files (pure text in, text out).

A tag is a delimiter around a parameter name, ``;name;`` by default: ``dt = ;dt;`` with
``params={"dt": "0.1"}`` becomes ``dt = 0.1``. Unlike SmartSim the tag is taken literally (not as
a regular expression), matching is not greedy, and a tagged name that is not a parameter is left
as it is and reported, instead of being replaced by its bare name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

DEFAULT_TAG = ";"


@dataclass
class Substitution:
    text: str
    used: set[str] = field(default_factory=set)
    unknown: dict[str, list[int]] = field(default_factory=dict)  # tag name -> 1-based line numbers


def tag_pattern(tag: str) -> re.Pattern[str]:
    if not tag:
        raise ValueError("A tag must not be empty")
    quoted = re.escape(tag)
    # A name never spans lines and never contains the tag itself.
    return re.compile(f"{quoted}((?:(?!{quoted})[^\\n])+?){quoted}")


def substitute(text: str, params: dict[str, str], tag: str = DEFAULT_TAG) -> Substitution:
    pattern = tag_pattern(tag)
    result = Substitution(text="")
    lines = text.splitlines(keepends=True)

    for number, line in enumerate(lines, start=1):

        def replace(match: re.Match[str], number: int = number) -> str:
            name = match.group(1)
            if name in params:
                result.used.add(name)
                return params[name]
            result.unknown.setdefault(name, []).append(number)
            return match.group(0)

        lines[number - 1] = pattern.sub(replace, line)
    result.text = "".join(lines)
    return result
