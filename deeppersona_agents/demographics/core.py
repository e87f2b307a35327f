"""The anchored core of one persona, drawn from the country's tables."""

from __future__ import annotations

from typing import Any

import numpy as np

from deeppersona_agents.caching import load_once
from deeppersona_agents.demographics.countries import country_name, resolve_country
from deeppersona_agents.demographics.sampler import Mode, PopulationSampler
from deeppersona_agents.demographics.tables import SEXES

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
def _sampler(iso3: str, mode: Mode, min_age: int, folder: str | None) -> PopulationSampler:
    return PopulationSampler(iso3, mode=mode, min_age=min_age, tables_dir=folder)


def sample_core(
    country: str,
    rng: np.random.Generator,
    fixed: dict[str, Any] | None = None,
    *,
    mode: Mode = "census",
    min_age: int = 18,
    where: str | None = None,
    tables_dir: str | None = None,
) -> dict[str, Any]:
    """Draw the missing core fields for one person; fields in ``fixed`` are kept as given.

    Returns the core (``age``, ``gender``, ``country``, ``city``, ``occupation``, ``name``,
    ``country_name``) plus ``demographics``: the other table-drawn fields (activity, ISCO major
    group, education, marital status, religion, languages, urban).
    """
    fixed = dict(fixed or {})
    iso3 = resolve_country(fixed.get("country") or country)
    sampler = _sampler(iso3, mode, min_age, tables_dir)
    given: dict[str, Any] = {k: fixed[k] for k in ("age", "city", "occupation", "name") if k in fixed}
    gender = fixed.get("gender")
    if gender and str(gender).lower() in SEXES:
        given["sex"] = str(gender).lower()
    person = sampler.draw_person(rng, given, where=where)
    core = {
        "country": iso3,
        "gender": gender or person["sex"],
        "age": int(fixed["age"]) if "age" in fixed else int(person["age"]),
        "occupation": fixed.get("occupation") or person["occupation"],
        "city": fixed.get("city") or person["city"],
        "name": fixed.get("name") or person["name"],
        "country_name": country_name(iso3),
    }
    isco = person["isco_major"]
    core["demographics"] = {
        "activity": person["activity"],
        "isco_major": None if isco is None or isco != isco or str(isco) == "<NA>" else int(isco),
        "education": person["education"],
        "marital_status": person["marital_status"],
        "religion": person["religion"],
        "language": person["language"],
        "urban": None if str(person["urban"]) == "<NA>" else bool(person["urban"]),
    }
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
