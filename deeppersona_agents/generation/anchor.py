"""Node 1 — anchor: fix the core (age, gender, country, city, occupation, name).

User anchors are kept verbatim (provenance ``anchor``); facts stated in a free-text bio are
extracted and kept only when they literally appear in it; every missing core field is drawn
from the country's demographic table (provenance ``table``), never chosen by the LLM.
"""

from __future__ import annotations

import re
from typing import Any

from langgraph.runtime import Runtime
from pydantic import BaseModel, Field

from deeppersona_agents.demographics import resolve_country, sample_core, supported_countries, table_attributes
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.generation.deps import PersonaDeps
from deeppersona_agents.generation.profile import StageRun, resolve_settings, stage, stage_rng, user_data
from deeppersona_agents.generation.state import PersonaState
from deeppersona_agents.taxonomy import AttributeTree

CORE_FIELDS = ("name", "age", "gender", "country", "city", "occupation")
#: Anchor keys understood as core fields.
CORE_ALIASES = {
    "name": "name", "full name": "name", "age": "age", "gender": "gender", "sex": "gender",
    "country": "country", "city": "city", "location": "city", "occupation": "occupation",
    "job": "occupation", "profession": "occupation",
}
_MALE = re.compile(r"\b(he|him|his|man|male|father|husband|son|boy|grandfather)\b", re.I)
_FEMALE = re.compile(r"\b(she|her|hers|woman|female|mother|wife|daughter|girl|grandmother)\b", re.I)


def parse_age(raw: str) -> int:
    """Validate an age anchor."""
    try:
        age = int(str(raw).strip())
    except ValueError:
        raise ConfigError(f"anchor age={raw!r} is not a whole number; give the age in years, e.g. age=34") from None
    if not 0 <= age <= 120:
        raise ConfigError(f"anchor age={raw!r} is out of range; give an age between 0 and 120")
    return age


def split_anchors(
    anchors: dict[str, str], country: str | None, tree: AttributeTree
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Validate anchors; return (core fields they fix, other anchors as attribute dicts).

    Non-core anchors are matched to a tree leaf by path or leaf name; unmatched ones keep their
    key as path. Raises :class:`ConfigError` naming the offending anchor.
    """
    fixed: dict[str, Any] = {}
    others: list[dict[str, Any]] = []
    for key, value in anchors.items():
        if not str(key).strip() or not str(value).strip():
            raise ConfigError(f"anchor {key!r}={value!r} is empty; use key=value with both parts filled")
        field = CORE_ALIASES.get(str(key).strip().lower())
        if field == "age":
            fixed["age"] = parse_age(value)
        elif field == "country":
            fixed["country"] = resolve_country(value)
        elif field:
            fixed[field] = str(value).strip()
        else:
            leaf = tree.find(str(key))
            path = leaf.key if leaf else str(key).strip()
            others.append({"path": path, "value": str(value), "stratum": None, "provenance": "anchor"})
    if country:
        iso3 = resolve_country(country)
        if fixed.get("country", iso3) != iso3:
            raise ConfigError(f"country {country!r} contradicts the anchor country={fixed['country']!r}; give one")
        fixed["country"] = iso3
    return fixed, others


class BioFacts(BaseModel):
    """Core facts stated in a bio; null when the bio does not say."""

    name: str | None = Field(None, description="the person's name, only if the text states it")
    age: int | None = Field(None, description="age in years, only if the text states it")
    gender: str | None = Field(None, description="male or female, only if the text makes it clear")
    city: str | None = Field(None, description="city or town of residence, only if stated")
    occupation: str | None = Field(None, description="job or main activity, only if stated")


def facts_from_bio(bio: str, run: StageRun) -> dict[str, Any]:
    """Extract core facts from a bio, keeping only those the bio literally supports."""
    prompt = (
        "Read the biography below and report which of these facts it states: name, age, gender, "
        "city of residence, occupation. Use null for anything it does not state; never guess.\n\n"
        + user_data([("biography", bio)])
    )
    facts = run.ask(BioFacts, prompt)
    low = bio.lower()
    kept: dict[str, Any] = {}
    if facts.age is not None and 0 <= facts.age <= 120 and re.search(rf"\b{facts.age}\b", bio):
        kept["age"] = facts.age
    for field in ("name", "city", "occupation"):
        value = getattr(facts, field)
        if value and value.strip() and value.strip().lower() in low:
            kept[field] = value.strip()
    male, female = bool(_MALE.search(bio)), bool(_FEMALE.search(bio))
    if male != female:
        kept["gender"] = "male" if male else "female"
    return kept


def anchor_node(state: PersonaState, runtime: Runtime, deps: PersonaDeps) -> dict[str, Any]:
    """Fix the run's seed and config, then the core from anchors, bio and demographic tables."""
    settings = resolve_settings(state, runtime, deps)
    state = {**state, **settings}  # type: ignore[typeddict-item]
    with stage(runtime, "anchor", deps, state) as run:
        run.update.update(settings)
        rng = stage_rng(state, "anchor")
        fixed, others = split_anchors(dict(state.get("anchors") or {}), state.get("country"), deps.tree)
        bio = (state.get("bio") or "").strip()
        from_bio = facts_from_bio(bio, run) if bio else {}
        given = {**from_bio, **fixed}
        country = given.get("country") or supported_countries()[int(rng.integers(len(supported_countries())))]
        config = run.config
        core = sample_core(country, rng, given, mode=config.demographics, min_age=config.min_age,
                           where=config.where)
        sources = {f: ("anchor" if f in given or (f == "country" and state.get("country")) else "table")
                   for f in CORE_FIELDS}
        anchored = {a["path"] for a in others}
        drawn = [a for a in table_attributes(core.get("demographics", {})) if a["path"] not in anchored]
        run.update.update(core=core, core_sources=sources, anchor_attributes=others + drawn)
    return run.update
