"""Fixed facts of one person: normalised to the table codes and checked against each other.

Sits between the anchor stage (user anchors, bio facts) and the draw (``core.py`` -> ``sampler.py``):
:func:`resolve_facts` turns free wording ("divorced", "university degree", "village") into the codes the
tables use, derives what a fact implies (an occupation's ISCO group and activity, a city's settlement),
and refuses combinations nobody can have (``age=5 occupation=surgeon``) with a :class:`ConfigError`.
"""

from __future__ import annotations

import re
from typing import Any

from deeppersona_agents.demographics import occupations as occ
from deeppersona_agents.demographics import places
from deeppersona_agents.demographics.tables import ACTIVITIES, EDUCATION_LEVELS, MARITAL_STATUSES, RELIGIONS, SEXES
from deeppersona_agents.errors import ConfigError

#: Core fields a fact may fix (``gender`` is the sex the tables know when it is male or female).
FACT_FIELDS = ("age", "gender", "country", "city", "occupation", "name", "education", "marital_status",
               "religion", "language", "urban", "activity", "children")
#: Wording -> code, tried in order (first match wins), per field.
_WORDING: dict[str, list[tuple[str, str]]] = {
    "education": [
        ("less_than_primary", r"less than primary|no (formal )?school|never (went to|attended) school|illiterate|"
                              r"did not (complete|finish) primary|none"),
        ("tertiary", r"tertiary|universit|college|degree|bachelor|master|phd|doctor|postgraduate|post.secondary"),
        ("lower_secondary", r"lower secondary|junior (high|secondary)|middle school|some secondary"),
        ("upper_secondary", r"upper secondary|high school|secondary|diploma|a.?levels?|baccalaur|matric"),
        ("primary", r"primary|elementary|grade school"),
    ],
    "marital_status": [
        ("never_married", r"never married|single|unmarried|not married"),
        ("divorced_separated", r"divorc|separated"),
        ("widowed", r"widow"),
        ("married", r"married|partner|cohabit|union|common.law|wife|husband"),
    ],
    "religion": [
        ("unaffiliated", r"unaffiliated|no religion|none|atheis|agnostic|secular|non.?religious"),
        ("christian", r"christ|catholic|protestant|orthodox|evangelical|anglican|pentecostal|lutheran|baptist|"
                      r"methodist|adventist|presbyterian|mormon|latter.day"),
        ("muslim", r"muslim|islam|sunni|shia|shi'a"),
        ("hindu", r"hindu"),
        ("buddhist", r"buddh"),
        ("folk_religion", r"folk|traditional|indigenous|animis|ancestral|shinto|taois"),
        ("jewish", r"jew|juda"),
        ("other", r"other|sikh|jain|baha|zoroastr|spiritis"),
    ],
    "urban": [("rural", r"rural|village|countryside|^farm|remote|^(false|no|0)$"),
              ("urban", r"urban|city|town|metropol|suburb|^(true|yes|1)$")],
    "activity": [
        ("unemployed", r"unemployed|jobless|looking for work|job ?seek"),
        ("other_inactive", r"inactive|other|disab|carer|not in paid work"),
        ("student", r"student|studying|pupil"),
        ("retired", r"retire|pension"),
        ("homemaker", r"homemaker|housewife|househusband|stay.at.home"),
        ("employed", r"employed|working|work|job"),
    ],
    "gender": [("female", r"^(f|female|woman|girl|feminine)$"), ("male", r"^(m|male|man|boy|masculine)$")],
}
_ALLOWED = {"education": EDUCATION_LEVELS, "marital_status": MARITAL_STATUSES, "religion": RELIGIONS,
            "urban": ["urban", "rural"], "activity": ACTIVITIES}


def normalise(field: str, value: Any) -> Any:
    """One fact in the tables' code (``"divorced"`` -> ``divorced_separated``); unknown wording is refused."""
    text = " ".join(str(value).strip().lower().replace("_", " ").split())
    if field == "age":
        return parse_age(value)
    if field == "children":
        try:
            count = int(str(value).strip())
        except ValueError:
            raise ConfigError(f"children={value!r} is not a whole number; give the number of children, e.g. 2",
                              param="anchors") from None
        if not 0 <= count <= 30:
            raise ConfigError(f"children={value!r} is out of range; give 0 to 30", param="anchors")
        return count
    if field == "language":
        parts = [p.strip() for p in re.split(r"[;,/]| and ", str(value)) if p.strip()]
        return ";".join(p[0].upper() + p[1:] for p in parts)
    if field == "gender":
        for code, pattern in _WORDING["gender"]:
            if re.search(pattern, text):
                return code
        return str(value).strip()  # non-binary and other identities are kept as given
    if field not in _WORDING:
        return str(value).strip()
    codes = _ALLOWED[field]
    if text.replace(" ", "_") in codes:
        found: str | None = text.replace(" ", "_")
    else:
        found = next((c for c, pattern in _WORDING[field] if re.search(pattern, text)), None)
    if found is None:
        raise ConfigError(f"{field}={value!r} is not understood; use one of {', '.join(codes)}", param="anchors")
    return (found == "urban") if field == "urban" else found


def parse_age(raw: Any) -> int:
    """Validate an age."""
    try:
        age = int(str(raw).strip())
    except ValueError:
        raise ConfigError(f"anchor age={raw!r} is not a whole number; give the age in years, e.g. age=34",
                          param="anchors") from None
    if not 0 <= age <= 120:
        raise ConfigError(f"anchor age={raw!r} is out of range; give an age between 0 and 120", param="anchors")
    return age


def resolve_facts(iso3: str, fixed: dict[str, Any]) -> dict[str, Any]:
    """Normalise ``fixed`` and add what it implies; raise when the facts cannot all be true.

    Returns the facts plus ``isco_major`` (the occupation's group while employed), ``floor_group``
    (the group that sets the education floor, also for a retired teacher), ``activity`` and ``urban``
    (from the city's size when it tells) where they follow.
    """
    out = {k: (v if k in ("country", "name", "city", "occupation") else normalise(k, v))
           for k, v in fixed.items() if v is not None and str(v).strip()}
    age = out.get("age")
    if "occupation" in out:
        job = occ.classify_title(out["occupation"])
        out.setdefault("activity", job.activity)
        out["floor_group"] = job.isco_major
        out["isco_major"] = job.isco_major if out["activity"] == "employed" else None
        out["occupation_known"] = job.known
        if age is not None and age < job.min_age:
            raise ConfigError(f"age={age} with occupation={out['occupation']!r}: nobody younger than {job.min_age} "
                              "does that work; change the age or the occupation", param="anchors")
    elif out.get("activity") == "employed" and age is not None and age < occ.UNKNOWN_TITLE_MIN_AGE:
        raise ConfigError(f"age={age} with activity=employed: people are drawn into work from "
                          f"{occ.UNKNOWN_TITLE_MIN_AGE}; change the age or the activity", param="anchors")
    education = out.get("education")
    if education is not None:
        need = occ.EDUCATION_MIN_AGE[education]
        if age is not None and age < need:
            raise ConfigError(f"age={age} with education={education}: that level is complete at {need} at the "
                              "earliest; change the age or the education", param="anchors")
        floor = occ.education_floor(out.get("floor_group"), age)
        if EDUCATION_LEVELS.index(education) < EDUCATION_LEVELS.index(floor):
            raise ConfigError(f"education={education} with occupation={out['occupation']!r}: that work needs at "
                              f"least {floor}; change the education or the occupation", param="anchors")
    if out.get("marital_status") not in (None, "never_married") and age is not None and age < 15:
        raise ConfigError(f"age={age} with marital_status={out['marital_status']}: people are drawn as married "
                          "from 15; change the age or the marital status", param="anchors")
    if "city" in out:
        settlement = places.city_settlement(iso3, str(out["city"]))
        if settlement is not None:
            said = out.get("urban")
            if said is not None and said != (settlement == "urban"):
                raise ConfigError(f"city={out['city']!r} is {settlement} (a place of "
                                  f"{places.city_population(iso3, str(out['city'])) or 0:,} people) but urban="
                                  f"{'urban' if said else 'rural'}; give one", param="anchors")
            out["urban"] = settlement == "urban"
        else:
            out.setdefault("urban", None)  # a town the extract cannot classify stays unknown, never rural
    out["age_at_least"] = _youngest(out)
    if "gender" in out and out["gender"] in SEXES:
        out["sex"] = out["gender"]
    return out


def _youngest(facts: dict[str, Any]) -> int:
    """Youngest age a drawn age may take: the occupation's, and what its (or the fixed) education needs."""
    need = [occ.EDUCATION_MIN_AGE[facts["education"]]] if facts.get("education") else []
    if "occupation" in facts:
        need.append(occ.classify_title(facts["occupation"]).min_age)
        need.append(occ.EDUCATION_MIN_AGE[occ.education_floor(facts.get("floor_group"))])
    if facts.get("marital_status") not in (None, "never_married"):
        need.append(15)
    return max(need, default=0)


def core_problems(core: dict[str, Any]) -> list[str]:
    """Contradictions inside a drawn core, as readable strings (empty when it is one coherent person).

    Checks education against the occupation's floor and the age, activity against the occupation, the
    age against the occupation's youngest age, marital status against the age, and the settlement
    against the city's size.
    """
    demo = core.get("demographics") or {}
    age, title = int(core["age"]), str(core.get("occupation") or "")
    activity, education = demo.get("activity"), demo.get("education")
    problems: list[str] = []
    job = occ.classify_title(title) if title else None
    drawn_inactive = title in occ.ACTIVITY_TITLES.values()
    if job is not None and not drawn_inactive and activity not in (None, job.activity, "unemployed"):
        problems.append(f"activity {activity} but occupation {title!r} says {job.activity}")
    if activity == "employed" and job is not None and job.known and age < job.min_age:
        problems.append(f"age {age} is below the youngest {title!r} ({job.min_age})")
    if activity != "employed" and demo.get("isco_major") is not None:
        problems.append(f"ISCO group {demo['isco_major']} for someone {activity}")
    group = demo.get("isco_major")
    if group is None and job is not None and not drawn_inactive:
        group = job.isco_major
    if education is not None:
        floor = occ.education_floor(group, age)
        if EDUCATION_LEVELS.index(education) < EDUCATION_LEVELS.index(floor):
            problems.append(f"education {education} below {floor}, the floor for {title!r} (ISCO {group})")
        if age < occ.EDUCATION_MIN_AGE[education]:
            problems.append(f"education {education} at age {age}")
    if demo.get("marital_status") not in (None, "never_married") and age < 15:
        problems.append(f"marital status {demo['marital_status']} at age {age}")
    settlement = places.city_settlement(str(core["country"]), str(core.get("city") or ""))
    urban = demo.get("urban")
    if settlement is not None and urban is not None and urban != (settlement == "urban"):
        problems.append(f"urban={urban} but {core.get('city')!r} is {settlement}")
    if settlement is not None and urban is None:
        problems.append(f"urban unknown although {core.get('city')!r} is {settlement}")
    return problems
