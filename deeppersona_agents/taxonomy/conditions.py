"""When a leaf applies: the ``applies_if`` vocabulary, the facts it is tested on, and its evaluation.

Sits between the tree (leaves carry ``applies_if`` in the tree file) and Stage 2's attribute
selection, which keeps only the leaves whose condition holds for the person before ranking them.
A condition is a small JSON object, either one test or a combination::

    {"partner": ["has"]}                                 # one field, any of the listed values
    {"age": [18, null]}                                  # inclusive range, null = open end
    {"all": [{"partner": ["has"]}, {"age": [18, null]}]} # every part holds
    {"any": [{"children": ["has"]}, {"activity": ["homemaker"]}]}

A leaf without a condition applies to everyone. A test on a fact that is not known for the person
is not satisfied: a leaf that might not apply is never asked.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from deeppersona_agents.caching import load_once

#: Categorical fields and the values a condition may list.
VALUES: dict[str, tuple[str, ...]] = {
    "sex": ("female", "male"),
    "activity": ("employed", "self_employed", "unemployed", "student", "retired", "homemaker"),
    "partner": ("has", "had", "never"),
    "children": ("has", "none"),
    "settlement": ("urban", "rural"),
    "religiosity": ("believer", "nonbeliever"),
    "education": ("less_than_primary", "primary", "lower_secondary", "upper_secondary", "tertiary"),
}
FIELDS: tuple[str, ...] = ("age", *VALUES, "country")
COMBINATORS = ("all", "any")
MAX_AGE = 120
#: Partial knowledge a fact may state: the set of values it leaves possible.
PARTIAL: dict[str, dict[str, frozenset[str]]] = {
    "partner": {"ever": frozenset({"has", "had"}), "single": frozenset({"had", "never"})},
}
#: How the anchored core's fields map to facts (see ``demographics/core.py``).
_PARTNER_OF_MARITAL = {"married": "has", "divorced_separated": "had", "widowed": "had"}
_ACTIVITY_OF_CORE = {"pupil": "student", "other_inactive": "inactive"}
_SELF_EMPLOYED_WORDS = ("owner", "entrepreneur", "self-employed", "freelance", "proprietor", "farmer",
                        "shopkeeper", "street vendor", "market trader")


@load_once
def continents() -> dict[str, frozenset[str]]:
    """Country groups by continent, as ISO-3 sets (GeoNames; package data built by scripts/data/build_continents.py)."""
    from importlib import resources

    text = (resources.files("deeppersona_agents.taxonomy") / "data" / "continents.json").read_text(encoding="utf-8")
    return {name: frozenset(codes) for name, codes in json.loads(text)["continents"].items()}


@load_once
def _iso3_codes() -> frozenset[str]:
    import pycountry

    return frozenset(c.alpha_3 for c in pycountry.countries)


def country_set(values: Iterable[str]) -> frozenset[str]:
    """The ISO-3 codes a country test names (group names expanded)."""
    groups = continents()
    out: set[str] = set()
    for value in values:
        out |= groups.get(value, {value})
    return frozenset(out)


@dataclass(frozen=True)
class PersonFacts:
    """What is known about a person before attributes are selected; ``None`` = not known.

    Categorical fields hold one value of :data:`VALUES`, or a partial value of :data:`PARTIAL`
    (``partner="ever"``: has or had a partner; ``"single"``: has none now, history unknown), or a
    value outside the vocabulary (``activity="inactive"``), which satisfies no test on that field.
    """

    age: int | None = None
    sex: str | None = None
    activity: str | None = None
    partner: str | None = None
    children: str | None = None
    settlement: str | None = None
    religiosity: str | None = None
    education: str | None = None
    country: str | None = None

    def summary(self) -> str:
        """The known facts in a few words, for error messages."""
        known = {k: v for k, v in vars(self).items() if v is not None}
        return ", ".join(f"{k} {v}" for k, v in known.items()) or "no facts known"

    def possible(self, field: str) -> frozenset[str] | None:
        """The values of a categorical field this person may have (``None`` when unknown)."""
        value = getattr(self, field)
        if value is None:
            return None
        return PARTIAL.get(field, {}).get(value, frozenset({value}))

    @classmethod
    def from_core(cls, core: Mapping[str, Any], children: int | bool | None = None,
                  partner: str | None = None) -> PersonFacts:
        """Facts from an anchored core (``demographics/core.py``) and optional fact-ledger findings.

        Args:
            core: The persona core; ``core["demographics"]`` holds activity, marital status,
                religion, urban and education (highest level completed) as drawn or anchored.
            children: Number of children (or ``True``/``False``) when the ledger knows it; else
                ``core["demographics"]["children"]`` if present; else unknown.
            partner: ``has`` / ``had`` / ``never`` (or ``ever`` / ``single``) when the ledger knows
                it; overrides what the marital status implies.
        """
        demo = core.get("demographics") or {}
        gender = str(core.get("gender") or "").lower()
        activity = demo.get("activity")
        activity = _ACTIVITY_OF_CORE.get(activity, activity) if isinstance(activity, str) else activity
        title = str(core.get("occupation") or "").lower()
        if activity == "employed" and any(word in title for word in _SELF_EMPLOYED_WORDS):
            activity = "self_employed"
        if children is None:
            children = demo.get("children")
        kids = None if children is None else ("has" if int(children) > 0 else "none")
        religion = demo.get("religion")
        urban = demo.get("urban")
        age = core.get("age")
        return cls(
            age=None if age is None else int(age),
            sex=gender if gender in VALUES["sex"] else None,
            activity=activity,
            partner=partner or _PARTNER_OF_MARITAL.get(demo.get("marital_status") or "", None),
            children=kids,
            settlement=None if urban is None else ("urban" if urban else "rural"),
            religiosity=None if not religion else ("nonbeliever" if religion == "unaffiliated" else "believer"),
            education=demo.get("education"),
            country=core.get("country"),
        )


def applies(condition: Mapping[str, Any] | None, facts: PersonFacts) -> bool:
    """Whether a leaf with ``condition`` applies to a person with ``facts`` (no condition: always)."""
    if not condition:
        return True
    (key, arg), = condition.items()
    if key == "all":
        return all(applies(part, facts) for part in arg)
    if key == "any":
        return any(applies(part, facts) for part in arg)
    if key == "age":
        low, high = arg
        return facts.age is not None and (low is None or facts.age >= low) and (high is None or facts.age <= high)
    if key == "country":
        return facts.country is not None and facts.country in country_set(arg)
    possible = facts.possible(key)
    return possible is not None and possible <= set(arg)


def problems(condition: Any, where: str = "applies_if") -> Iterator[str]:
    """What is wrong with a condition's vocabulary or shape (nothing when it is well formed)."""
    if not isinstance(condition, dict) or len(condition) != 1:
        yield (f"{where} must be an object with exactly one key ({', '.join(FIELDS + COMBINATORS)}); "
               f"write several tests as {{\"all\": [...]}}")
        return
    (key, arg), = condition.items()
    if key in COMBINATORS:
        if not isinstance(arg, list) or not arg:
            yield f"{where}.{key} must be a non-empty list of conditions"
            return
        for i, part in enumerate(arg):
            yield from problems(part, f"{where}.{key}[{i}]")
    elif key == "age":
        ok = isinstance(arg, list) and len(arg) == 2 and all(
            v is None or (isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_AGE) for v in arg)
        if not ok or arg == [None, None]:
            yield f"{where}.age must be [min, max] in whole years 0-{MAX_AGE}, null for an open end (not both)"
    elif key in VALUES or key == "country":
        if not isinstance(arg, list) or not arg or not all(isinstance(v, str) for v in arg):
            yield f"{where}.{key} must be a non-empty list of values"
            return
        allowed = VALUES.get(key)
        if allowed is None:
            bad = [v for v in arg if v not in continents() and v not in _iso3_codes()]
            hint = f"ISO-3 codes or one of {', '.join(continents())}"
        else:
            bad, hint = [v for v in arg if v not in allowed], ", ".join(allowed)
        if bad:
            yield f"{where}.{key} has unknown values {bad}; use {hint}"
        elif len(set(arg)) != len(arg):
            yield f"{where}.{key} repeats a value"
    else:
        yield f"{where} has unknown key {key!r}; use one of {', '.join(FIELDS + COMBINATORS)}"


# A condition in disjunctive form: alternatives, each a map field -> allowed set (age: (low, high)).
Clause = dict[str, Any]


def _merge(a: Clause, b: Clause) -> Clause | None:
    out = dict(a)
    for key, value in b.items():
        if key not in out:
            out[key] = value
        elif key == "age":
            low, high = max(out[key][0], value[0]), min(out[key][1], value[1])
            if low > high:
                return None
            out[key] = (low, high)
        else:
            out[key] = out[key] & value
            if not out[key]:
                return None
    return out


def _clauses(condition: Mapping[str, Any]) -> list[Clause]:
    (key, arg), = condition.items()
    if key == "any":
        return [c for part in arg for c in _clauses(part)]
    if key == "all":
        out: list[Clause] = [{}]
        for part in arg:
            out = [m for a, b in itertools.product(out, _clauses(part)) if (m := _merge(a, b)) is not None]
        return out
    if key == "age":
        low, high = arg
        return [{"age": (0 if low is None else low, MAX_AGE if high is None else high)}] if (
            low is None or high is None or low <= high) else []
    if key == "country":
        return [{"country": country_set(arg)}]
    return [{key: frozenset(arg)}]


def satisfiable(condition: Mapping[str, Any]) -> bool:
    """Whether someone exists for whom a well-formed condition holds."""
    return bool(_clauses(condition))


def always_true(condition: Mapping[str, Any]) -> bool:
    """Whether a well-formed condition allows every value of what it tests (so it restricts nothing)."""
    for clause in _clauses(condition):
        if all((v == (0, MAX_AGE)) if k == "age" else (k in VALUES and v == set(VALUES[k])) for k, v in clause.items()):
            return True
    return False


def describe(condition: Mapping[str, Any]) -> list[str]:
    """The fields a condition tests, for statistics (``all`` / ``any`` looked through)."""
    (key, arg), = condition.items()
    if key in COMBINATORS:
        return sorted({f for part in arg for f in describe(part)})
    return [key]
