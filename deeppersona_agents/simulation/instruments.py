"""Survey instruments: items with official codes, wording and answer options; parsing and scoring.

Instruments live in ``surveys/*.json`` (installed as ``deeppersona_agents.surveys``); a respondent's
answer must be one of the item's valid codes, anything else is treated as missing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, field_validator

from deeppersona_agents.errors import ConfigError


class Item(BaseModel):
    """One survey question."""

    code: str
    text: str
    options: dict[int, str] = Field(min_length=2, description="valid answer codes and their labels, in order")
    scale: Literal["ordinal", "binary", "nominal"] = "ordinal"
    #: What moving up the codes means ("higher = less trust"); "unordered: ..." for nominal items.
    direction: str = ""
    topic: str = ""
    factor: str | None = None
    key: Literal["+", "-"] | None = None
    note: str | None = None

    @field_validator("options")
    @classmethod
    def _ordered(cls, v: dict[int, str]) -> dict[int, str]:
        return dict(sorted(v.items()))

    @property
    def codes(self) -> list[int]:
        """Valid answer codes, ascending."""
        return list(self.options)

    def prompt(self, nationality: str = "a citizen of your country") -> str:
        """The question with its numbered options, as put to a respondent."""
        lines = [self.text.replace("{nationality}", nationality), ""]
        lines += [f"{code}. {label}" for code, label in self.options.items()]
        return "\n".join(lines)


class Instrument(BaseModel):
    """A questionnaire: metadata plus items."""

    name: str
    title: str
    source: str
    version: str
    licence: str
    instructions: str
    missing_codes: dict[int, str] = Field(default_factory=dict)
    items: list[Item] = Field(min_length=1)

    def item(self, code: str) -> Item:
        """The item with ``code`` (raises ConfigError naming the valid codes)."""
        for it in self.items:
            if it.code == code:
                return it
        raise ConfigError(f"item {code!r} is not in {self.name}; available: {', '.join(self.codes)}")

    @property
    def codes(self) -> list[str]:
        """Item codes in questionnaire order."""
        return [it.code for it in self.items]

    def select(self, codes: list[str] | None) -> list[Item]:
        """The items named in ``codes`` (all items when None)."""
        return list(self.items) if not codes else [self.item(c.strip()) for c in codes]


def load_instrument(name_or_path: str | Path) -> Instrument:
    """Load a shipped instrument (``"wvs7"``, ``"ipip50"``) or a JSON file in the same format."""
    path = Path(name_or_path)
    try:
        if path.suffix == ".json" or path.exists():
            text = path.read_text(encoding="utf-8")
        else:
            ref = resources.files("deeppersona_agents.surveys") / f"{name_or_path}.json"
            if not ref.is_file():
                raise ConfigError(f"unknown instrument {name_or_path!r}; use wvs7, ipip50 or a JSON file")
            text = ref.read_text(encoding="utf-8")
        return Instrument.model_validate(json.loads(text))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read instrument {name_or_path}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"instrument {name_or_path} is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(f"instrument {name_or_path} is malformed at {first['loc']}: {first['msg']}") from None


_NUMBER = re.compile(r"(?<![\d.])-?\d+(?!\d|\.\d)")


def parse_answer(reply: object, item: Item) -> int | None:
    """The answer code in a model reply, or ``None`` when it is not exactly one valid code.

    Accepts an int, a JSON-ish ``{"answer": 3}``, "3", "3. Quite happy", "My answer is 3", or an
    option label on its own ("Quite happy"); rejects replies naming no or several valid codes.
    """
    if isinstance(reply, bool):
        return None
    if isinstance(reply, int | float):
        return int(reply) if float(reply).is_integer() and int(reply) in item.options else None
    text = str(reply).strip()
    numbers = {int(n) for n in _NUMBER.findall(text)} & set(item.options)
    if len(numbers) == 1:
        return numbers.pop()
    if not numbers:
        low = text.lower().strip(" .!\"'")
        matches = [code for code, label in item.options.items() if label.lower() == low]
        if len(matches) == 1:
            return matches[0]
    return None


def trait_scores(answers: Mapping[str, int | None], instrument: Instrument) -> dict[str, float | None]:
    """Mean item score per factor after reverse-keying ("-" items: 6 - answer on a 1-5 scale).

    Factors with no valid answer are ``None``.
    """
    sums: dict[str, list[float]] = {}
    for item in instrument.items:
        if item.factor is None:
            continue
        sums.setdefault(item.factor, [])
        value = answers.get(item.code)
        if value is None or value not in item.options:
            continue
        low, high = min(item.codes), max(item.codes)
        sums[item.factor].append(float(low + high - value if item.key == "-" else value))
    return {f: (sum(v) / len(v) if v else None) for f, v in sums.items()}
