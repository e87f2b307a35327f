"""Node 1 — anchor: fix the core (age, gender, country, city, occupation, name and the demographics).

User anchors are kept verbatim (provenance ``anchor``) and may name any core field or a tree leaf that
maps to one ("Legal Marital Status=divorced" sets the marital status); facts stated in a free-text bio
are extracted and kept only when the bio supports them (``bio.py``), and win over the tables; anchors win
over the bio. Everything fixed conditions the draw of the rest from the country's demographic table
(provenance ``table``), never chosen by the LLM; impossible combinations are refused.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from deeppersona_agents.demographics import resolve_country, sample_core, supported_countries, table_attributes
from deeppersona_agents.demographics.core import TABLE_ATTRIBUTE_PATHS
from deeppersona_agents.demographics.facts import normalise, parse_age, resolve_facts
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.generation.bio import BioFacts, classify_occupation, facts_from_bio
from deeppersona_agents.generation.deps import PersonaDeps
from deeppersona_agents.generation.profile import resolve_settings, stage, stage_rng
from deeppersona_agents.generation.state import PersonaState
from deeppersona_agents.taxonomy import AttributeTree

__all__ = ["CORE_ALIASES", "CORE_FIELDS", "BioFacts", "anchor_node", "facts_from_bio", "parse_age", "split_anchors"]

CORE_FIELDS = ("name", "age", "gender", "country", "city", "occupation")
#: Anchor keys understood as core fields.
CORE_ALIASES = {
    "name": "name", "full name": "name", "age": "age", "gender": "gender", "sex": "gender",
    "country": "country", "city": "city", "location": "city", "occupation": "occupation",
    "job": "occupation", "profession": "occupation", "education": "education", "marital_status": "marital_status",
    "marital status": "marital_status", "religion": "religion", "language": "language", "languages": "language",
    "languages spoken": "language",
    "urban": "urban", "settlement": "urban", "activity": "activity", "employment status": "activity",
    "children": "children", "number of children": "children",
}
#: Tree leaves whose anchor sets a core field.
LEAF_FIELDS = {path: field for field, path in TABLE_ATTRIBUTE_PATHS.items()}
#: Order in which bio facts are added (each kept only when it fits the anchors and the facts before it).
BIO_ORDER = ("country", "age", "gender", "occupation", "education", "city", "urban", "marital_status", "children",
             "religion", "name")


def split_anchors(
    anchors: dict[str, str], country: str | None, tree: AttributeTree, tables_dir: str | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Validate anchors; return (core fields they fix, other anchors as attribute dicts).

    Non-core anchors are matched to a tree leaf by path or leaf name (a leaf that maps to a core field
    sets it and stays an attribute with the user's words); unmatched ones keep their key as path.
    Raises :class:`ConfigError` naming the offending anchor, or the anchors that cannot all hold.
    """
    fixed: dict[str, Any] = {}
    others: list[dict[str, Any]] = []
    for key, value in anchors.items():
        if not str(key).strip() or not str(value).strip():
            raise ConfigError(f"anchor {key!r}={value!r} is empty; use key=value with both parts filled",
                              param="anchors")
        field = CORE_ALIASES.get(str(key).strip().lower().replace("_", " ")) or CORE_ALIASES.get(str(key).strip())
        if field is None:
            leaf = tree.find(str(key))
            path = leaf.key if leaf else str(key).strip()
            others.append({"path": path, "value": str(value), "stratum": None, "provenance": "anchor"})
            field = LEAF_FIELDS.get(path)
        if field == "country":
            fixed["country"] = resolve_country(value, tables_dir)
        elif field in ("name", "city", "occupation"):
            fixed[field] = str(value).strip()
        elif field:
            fixed[field] = normalise(field, value)
    if country:
        iso3 = resolve_country(country, tables_dir)
        if fixed.get("country", iso3) != iso3:
            raise ConfigError(f"country {country!r} contradicts the anchor country={fixed['country']!r}; give one",
                              param="anchors")
        fixed["country"] = iso3
    resolve_facts(fixed.get("country", "USA"), {k: v for k, v in fixed.items()
                                               if k != "city" or "country" in fixed})
    return fixed, others


def _with_bio(fixed: dict[str, Any], from_bio: dict[str, Any], iso3: str) -> dict[str, Any]:
    """Anchors plus each bio fact that fits them and the bio facts before it (anchors win)."""
    given = dict(fixed)
    for field in BIO_ORDER:
        if field not in from_bio or field in given:
            continue
        if field == "urban" and "city" in given:
            continue  # the city's size decides
        trial = {**given, field: from_bio[field]}
        try:
            resolve_facts(iso3, trial)
        except ConfigError:
            continue
        given = trial
    return given


def anchor_node(state: PersonaState, runtime: Runtime, deps: PersonaDeps) -> dict[str, Any]:
    """Fix the run's seed and config, then the core from anchors, bio and demographic tables."""
    settings = resolve_settings(state, runtime, deps)
    state = {**state, **settings}  # type: ignore[typeddict-item]
    with stage(runtime, "anchor", deps, state) as run:
        run.update.update(settings)
        rng = stage_rng(state, "anchor")
        config = run.config
        fixed, others = split_anchors(dict(state.get("anchors") or {}), state.get("country"), deps.tree,
                                      config.tables_dir)
        bio = (state.get("bio") or "").strip()
        from_bio = facts_from_bio(bio, run) if bio else {}
        countries = supported_countries(config.tables_dir)
        country = fixed.get("country") or from_bio.get("country") or countries[int(rng.integers(len(countries)))]
        for title in {str(f["occupation"]) for f in (fixed, from_bio) if f.get("occupation")}:
            classify_occupation(title, run)  # taught to this process before the facts are checked
        given = _with_bio(fixed, from_bio, country)
        core = sample_core(country, rng, given, demographics=config.demographics, min_age=config.min_age,
                           where=config.where, tables_dir=config.tables_dir)
        sources = {f: ("anchor" if f in given else "table") for f in (*CORE_FIELDS, *TABLE_ATTRIBUTE_PATHS)}
        if state.get("country"):
            sources["country"] = "anchor"
        leaf_paths = {a["path"] for a in others}
        drawn = [{**a, "provenance": "anchor" if sources.get(LEAF_FIELDS[a["path"]]) == "anchor" else "table"}
                 for a in table_attributes(core.get("demographics", {})) if a["path"] not in leaf_paths]
        run.update.update(core=core, core_sources=sources, anchor_attributes=others + drawn)
    return run.update
