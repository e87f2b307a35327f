"""One leaf's value: its JSON schema (nullable = not applicable, numbers bounded), prompt hint and cleaning.

Used by ``fill_attributes`` (filling), ``review`` (rule checks and regeneration). A value may be
``null``: the attribute does not apply to this person (no children, no car), so a model is never
forced to invent one; such a leaf is swapped for another of its stratum, not stored. Numbers
carry bounds from the leaf's unit and name: ages in the past lie between 0 and the person's age,
years end at the current year, shares are 0-100, scales their own range.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from typing import Any, Final

from deeppersona_agents.persona import format_value
from deeppersona_agents.taxonomy import Leaf

TEXT_CHARS = 100  # a phrase or one short sentence; also keeps constrained decoding fast
ITEM_CHARS = 50
MAX_ITEMS = 5
PLACEHOLDERS = {"", "n/a", "na", "unknown", "not specified", "unspecified", "tbd", "null", "none given",
                "...", "value", "-", "?", "xxx", "placeholder"}
#: Category options that only say the attribute does not apply (the tree has "not applicable" on ~50 leaves).
NOT_APPLICABLE_OPTIONS = frozenset({"not applicable", "n/a", "does not apply", "no such thing"})
#: Texts that only deny: the attribute does not apply ("None; she keeps no livestock").
DENIALS = re.compile(r"^\W*(none|nothing|not applicable|n/a|does not apply|doesn't apply|no such)\b", re.I)
_SCALE = re.compile(r"^(\d+)\s*-\s*(\d+) scale$")
#: Words marking a "years" leaf that looks ahead or at someone else (may exceed the person's age).
_NOT_OWN_PAST = ("expected", "planned", "ideal", "should", "eligibility", "subjective", "left on", "to repay", "oldest",
                 "household member", "gap", "average")
MAX_AGE = 120
AGE_UNITS = ("years", "years of age", "years old")


class NotApplicable:
    """The marker for "this attribute does not apply to this person" (a ``null`` answer or a denial)."""

    def __repr__(self) -> str:
        return "NOT_APPLICABLE"


NOT_APPLICABLE: Final = NotApplicable()


def number_bounds(leaf: Leaf, age: int, year: int) -> tuple[float | None, float | None]:
    """``(minimum, maximum)`` of a number leaf for a person of ``age`` in ``year`` (``None``: open)."""
    unit = (leaf.unit or "").strip().lower()
    name = leaf.path[-1].lower()
    scale = _SCALE.match(unit)
    if scale:
        return float(scale[1]), float(scale[2])
    if unit.startswith("percent"):
        return 0.0, 100.0
    if unit in ("year", "calendar year") or name.startswith("year of "):
        return 1900.0, float(year)
    if unit in AGE_UNITS:
        return 0.0, float(MAX_AGE if any(w in name for w in _NOT_OWN_PAST) else age)
    if "currency" in unit:
        return None, None
    return 0.0, None


def is_age_leaf(leaf: Leaf) -> bool:
    """A number leaf measured in years of the person's own past (bounded by their age)."""
    return leaf.type == "number" and (leaf.unit or "").strip().lower() in AGE_UNITS and \
        not any(w in leaf.path[-1].lower() for w in _NOT_OWN_PAST)


def value_schema(leaf: Leaf, age: int, year: int) -> dict[str, Any]:
    """JSON schema of one leaf's value; ``null`` means not applicable."""
    if leaf.type == "number":
        low, high = number_bounds(leaf, age, year)
        schema: dict[str, Any] = {"type": ["number", "null"]}
        if low is not None:
            schema["minimum"] = int(low) if low.is_integer() else low
        if high is not None:
            schema["maximum"] = int(high) if high.is_integer() else high
        return schema
    if leaf.type == "boolean":
        return {"type": ["boolean", "null"]}
    if leaf.type == "category" and leaf.options:
        return {"type": ["string", "null"], "enum": [*answer_options(leaf), None]}
    if leaf.type == "list":
        item = {"type": "string", "maxLength": ITEM_CHARS}  # empty texts are caught by clean_value
        return {"type": ["array", "null"], "items": item, "minItems": 1, "maxItems": MAX_ITEMS}
    return {"type": ["string", "null"], "maxLength": TEXT_CHARS}


def answer_options(leaf: Leaf) -> list[str]:
    """A category leaf's options without the ones that only say it does not apply (``null`` says that)."""
    return [o for o in leaf.options or () if o.strip().lower() not in NOT_APPLICABLE_OPTIONS]


def shown(leaf: Leaf, value: Any) -> str:
    """A filled value as prompt text; numbers carry the leaf's unit ("7 hours per week", "3 on a 1-10 scale")."""
    text = format_value(value)
    if leaf.type != "number" or not leaf.unit or isinstance(value, str):
        return text
    return f"{text} on a {leaf.unit}" if _SCALE.match(leaf.unit.strip().lower()) else f"{text} {leaf.unit}"


def number_hint(leaf: Leaf, age: int, year: int) -> str:
    """A number leaf's unit and bounds for prompts ("years, 0-34"; "1-10 scale"; "people, at least 0")."""
    low, high = number_bounds(leaf, age, year)
    unit = leaf.unit or ""
    if _SCALE.match(unit.strip().lower()):
        return unit
    if low is not None and high is not None:
        bounds = f"{low:g}-{high:g}"
    else:
        bounds = f"at least {low:g}" if low is not None else ""
    return ", ".join(part for part in (unit, bounds) if part) or "any number"


def display_names(leaves: list[Leaf]) -> list[str]:
    """Names to show the leaves by: the leaf's own name, prefixed by its parent where names repeat."""
    names = [leaf.path[-1] for leaf in leaves]
    name_counts = Counter(names)
    shown_names = [f"{leaf.path[-2]} - {n}" if name_counts[n] > 1 else n for leaf, n in zip(leaves, names, strict=True)]
    counts = Counter(shown_names)
    return [k if counts[k] == 1 else f"{k} ({i})" for i, k in enumerate(shown_names, 1)]


def batch_keys(leaves: list[Leaf], numbered: bool = True) -> list[str]:
    """JSON keys for a batch: ``a1``, ``a2``, ... (each explained once in the prompt) or the display names.

    Numbered keys are short (providers bill the schema, where each key appears twice); names suit
    small constrained decoders, for which the key they write is the cue for the value that follows.
    """
    return [f"a{n}" for n in range(1, len(leaves) + 1)] if numbered else display_names(leaves)


def batch_schema(leaves: list[Leaf], keys: list[str], age: int, year: int) -> dict[str, Any]:
    """JSON schema of one fill call: one required, nullable property per leaf, keyed by ``keys`` (:func:`batch_keys`).

    A plain dict (not a pydantic class) so each value is validated on its own by
    :func:`clean_value`: one bad value is asked for again instead of failing the whole batch.
    A value schema shared by several leaves (short text, list, a 1-10 scale) is written once
    under ``$defs`` and referenced, since providers bill the schema with the prompt.
    """
    values = [value_schema(leaf, age, year) for leaf in leaves]
    counts = Counter(json.dumps(v, sort_keys=True) for v in values)
    defs: dict[str, dict[str, Any]] = {}
    names: dict[str, str] = {}
    for text, n in counts.items():
        if n > 1:
            names[text] = _def_name(json.loads(text), defs)
            defs[names[text]] = json.loads(text)
    properties = {}
    for key, value in zip(keys, values, strict=True):
        text = json.dumps(value, sort_keys=True)
        properties[key] = {"$ref": f"#/$defs/{names[text]}"} if text in names else value
    schema: dict[str, Any] = {
        "title": "AttributeValues",
        "type": "object",
        "properties": properties,
        "required": keys,
        "additionalProperties": False,
    }
    return {**schema, "$defs": defs} if defs else schema


def _def_name(value: dict[str, Any], taken: dict[str, Any]) -> str:
    """A readable ``$defs`` name for a shared value schema: text, list, boolean, number_1_10, choice_2..."""
    kind = value["type"][0]
    if "enum" in value:
        base = "choice"
    elif kind == "number":
        base = "_".join(["number", *(f"{value[b]:g}".replace("-", "minus") for b in ("minimum", "maximum")
                                     if b in value)])
    else:
        base = {"string": "text", "array": "list"}.get(kind, kind)
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    return name


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-") or text[:limit]


def in_bounds(value: float, leaf: Leaf, age: int, year: int) -> bool:
    """Whether a number lies inside the leaf's bounds for this person."""
    low, high = number_bounds(leaf, age, year)
    return (low is None or value >= low) and (high is None or value <= high)


def clean_value(value: Any, leaf: Leaf, age: int, year: int) -> Any:
    """The value coerced to the leaf's type; :data:`NOT_APPLICABLE` for null or a denial; ``None`` when unusable."""
    if value is None:
        return NOT_APPLICABLE
    if leaf.type == "number":
        if isinstance(value, bool):
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            return NOT_APPLICABLE if DENIALS.match(str(value)) else None
        return number if math.isfinite(number) and in_bounds(number, leaf, age, year) else None
    if leaf.type == "boolean":
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        return {"yes": True, "true": True, "no": False, "false": False}.get(word)
    if leaf.type == "category" and leaf.options:
        word = str(value).strip().lower()
        if word in NOT_APPLICABLE_OPTIONS:
            return NOT_APPLICABLE
        return {o.lower(): o for o in answer_options(leaf)}.get(word)
    if leaf.type == "list":
        items = value if isinstance(value, list) else [value]
        texts = [str(v).strip() for v in items]
        kept = [_shorten(t, ITEM_CHARS) for t in texts if t.lower() not in PLACEHOLDERS and not DENIALS.match(t)]
        if not kept:
            return NOT_APPLICABLE if any(DENIALS.match(t) for t in texts) else None
        return kept[:MAX_ITEMS]
    if isinstance(value, dict | list):
        return None
    text = str(value).strip()
    if DENIALS.match(text):
        return NOT_APPLICABLE
    if text.lower().strip(".") in PLACEHOLDERS or text.lower() == leaf.path[-1].lower():
        return None
    return _shorten(text, 2 * TEXT_CHARS)
