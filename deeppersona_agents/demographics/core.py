"""The anchored core of one persona: fixed facts (``facts.py``) kept, the rest drawn from the country's tables.

Sits between the anchor stage and the sampler; what it returns is the core every later stage, audit and
survey respondent reads.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deeppersona_agents.caching import load_once
from deeppersona_agents.demographics.countries import country_name, resolve_country
from deeppersona_agents.demographics.facts import resolve_facts
from deeppersona_agents.demographics.sampler import Demographics, PopulationSampler

#: Table-drawn fields that become persona attributes (provenance ``table``), with their tree path.
TABLE_ATTRIBUTE_PATHS = {
    "education": "Education and Learning > Educational Attainment > Highest Completed Level",
    "marital_status": "Demographic Information > Marital and Legal Family Status > Legal Marital Status",
    "urban": "Demographic Information > Local Environment > Settlement Type",
    "religion": "Core Values, Beliefs, and Philosophy > Religious and Spiritual Beliefs > Faith and Conviction"
    " > Faith Tradition Identified With",
    "language": "Cultural and Social Context > Language and Speech > Languages Spoken",
}
_READABLE = {
    "less_than_primary": "did not complete primary school", "primary": "primary school",
    "lower_secondary": "lower secondary school", "upper_secondary": "upper secondary school",
    "tertiary": "tertiary degree (college or university)", "never_married": "never married",
    "married": "married or living with a partner", "divorced_separated": "divorced or separated",
    "widowed": "widowed", "christian": "Christian", "muslim": "Muslim",
    "unaffiliated": "no religion (unaffiliated)", "hindu": "Hindu", "buddhist": "Buddhist",
    "folk_religion": "folk or traditional religion", "jewish": "Jewish", "other": "another religion",
}


@load_once
def _sampler(iso3: str, demographics: Demographics, min_age: int, folder: str | None) -> PopulationSampler:
    return PopulationSampler(iso3, demographics=demographics, min_age=min_age, tables_dir=folder)


def sample_core(
    country: str,
    rng: np.random.Generator,
    fixed: dict[str, Any] | None = None,
    *,
    demographics: Demographics = "census",
    min_age: int = 18,
    where: str | None = None,
    tables_dir: str | None = None,
) -> dict[str, Any]:
    """Draw the missing core fields for one person; fields in ``fixed`` are kept and condition the rest.

    ``fixed`` may name any of :data:`~.facts.FACT_FIELDS` in free wording ("divorced", "university
    degree"); they are normalised and checked by :func:`~.facts.resolve_facts`. Returns the core
    (``age``, ``gender``, ``country``, ``city``, ``occupation``, ``name``, ``country_name``) plus
    ``demographics``: activity, ISCO major group, education, marital status, religion, languages, urban
    (None when unknown) and, when fixed, children.

    Raises:
        ConfigError: a fact is not understood, or the facts cannot all hold (``age=5``, ``surgeon``).
    """
    iso3 = resolve_country((fixed or {}).get("country") or country, tables_dir)
    facts = resolve_facts(iso3, dict(fixed or {}))
    sampler = _sampler(iso3, demographics, min_age, tables_dir)
    given = {k: v for k, v in facts.items() if k not in ("gender", "country", "children", "occupation_known")}
    person = sampler.draw_person(rng, given, where=where)
    core = {
        "country": iso3,
        "gender": facts.get("gender") or person["sex"],
        "age": int(facts["age"]) if "age" in facts else int(person["age"]),
        "occupation": facts.get("occupation") or person["occupation"],
        "city": facts.get("city") or person["city"],
        "name": facts.get("name") or person["name"],
        "country_name": country_name(iso3),
    }
    isco = person["isco_major"]
    urban = person["urban"]
    core["demographics"] = {
        "activity": person["activity"],
        "isco_major": None if isco is None or isco != isco or str(isco) == "<NA>" else int(isco),
        "education": person["education"],
        "marital_status": person["marital_status"],
        "religion": person["religion"],
        "language": person["language"],
        "urban": None if urban is None or str(urban) == "<NA>" else bool(urban),
    }
    if "children" in facts:
        core["demographics"]["children"] = int(facts["children"])
    return core


def table_attributes(demographics: dict[str, Any]) -> list[dict[str, Any]]:
    """Persona attributes (provenance ``table``) for the drawn demographic fields."""
    out = []
    for field, path in TABLE_ATTRIBUTE_PATHS.items():
        value = demographics.get(field)
        if value is None:
            continue
        if field == "urban":
            text = "urban" if value else "rural"
        elif field == "language":
            text = ", ".join(str(value).split(";"))
        else:
            text = _READABLE.get(str(value), str(value))
        out.append({"path": path, "value": text, "stratum": None, "provenance": "table"})
    return out
