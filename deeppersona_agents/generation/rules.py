"""Rule checks of one filled persona: contradictions a program can see without a model.

Used by the ``review`` stage after ``fill_attributes``. Each rule returns findings
``(path, reason)``; a path of an LLM-filled attribute can be written again, a core path (table or
user given) cannot and is reported as remaining. The rules: number bounds (ages within the
person's age, years up to the current year, shares 0-100), education vs occupation, marital status
vs partner-related values and the biography, urban vs settlement and city, children's ages vs
the person's.
"""

from __future__ import annotations

import re
from typing import Any

from deeppersona_agents.demographics.core import TABLE_ATTRIBUTE_PATHS
from deeppersona_agents.demographics.places import city_settlement
from deeppersona_agents.generation.leaf_values import in_bounds, number_bounds
from deeppersona_agents.generation.profile import current_year
from deeppersona_agents.generation.state import PersonaState
from deeppersona_agents.generation.stories import MIN_PARENT_GAP, child_ages
from deeppersona_agents.taxonomy import AttributeTree

Finding = tuple[str, str]

#: Education below this rank contradicts the ISCO major group (1 managers, 2 professionals, 3 technicians).
EDUCATION_RANK = {"less_than_primary": 0, "primary": 1, "lower_secondary": 2, "upper_secondary": 3, "tertiary": 4}
MIN_EDUCATION_BY_ISCO = {1: 2, 2: 3, 3: 2}
#: Titles that need at least upper secondary school whatever the table's group says.
TRAINED = re.compile(r"\b(nurse|midwife|doctor|physician|surgeon|dentist|pharmacist|lawyer|advocate|judge|"
                     r"engineer|architect|accountant|teacher|lecturer|professor|scientist|veterinar\w*)\b", re.I)
SPOUSE = re.compile(r"\b(spouse|husband|wife|years married|in-laws)\b", re.I)
CURRENT_PARTNER = re.compile(r"^(husband|wife|spouse)$", re.I)
BIO_MARITAL = {"divorced_separated": re.compile(r"\b(divorc\w*|separated)\b", re.I),
               "widowed": re.compile(r"\bwidow\w*\b", re.I)}
RURAL_WORDS = re.compile(r"\b(rural|village|countryside|farmstead|hamlet)\b", re.I)
URBAN_WORDS = re.compile(r"\b(urban|city centre|downtown|inner city|apartment block|high-rise)\b", re.I)
RELATION = re.compile(r"\(([^,()]+)")


def _marital(state: PersonaState) -> str | None:
    """The marital status code; an anchored "Legal Marital Status" text is mapped back to a code."""
    for a in state.get("anchor_attributes", []):
        if a["path"] == TABLE_ATTRIBUTE_PATHS["marital_status"] and a.get("provenance") == "anchor":
            text = str(a["value"]).lower()
            for code, words in (("never_married", "never"), ("divorced_separated", "divorc"),
                                ("divorced_separated", "separat"), ("widowed", "widow"), ("married", "married")):
                if words in text:
                    return code
    return (state["core"].get("demographics") or {}).get("marital_status")


def _is_partner(text: str) -> bool:
    relation = RELATION.search(text)
    return bool(relation and CURRENT_PARTNER.match(relation[1].strip()))


def number_findings(state: PersonaState, tree: AttributeTree) -> list[Finding]:
    """LLM numbers outside their leaf's bounds (ages within the person's age, years up to now, shares 0-100)."""
    age, year = int(state["core"]["age"]), current_year(state)
    out = []
    for a in state.get("attributes", []):
        if a["path"] not in tree or isinstance(a["value"], bool) or not isinstance(a["value"], int | float):
            continue
        leaf = tree.leaves[tree.index(a["path"])]
        value = float(a["value"])
        if leaf.type != "number":
            continue
        if not in_bounds(value, leaf, age, year):
            low, high = number_bounds(leaf, age, year)
            out.append((a["path"], f"{value:g} is outside {low:g}-{high:g} for a {age}-year-old in {year}"))
    return out


def core_findings(state: PersonaState) -> list[Finding]:
    """Contradictions inside the core (education, marital status, settlement) and the fact ledger."""
    core = state["core"]
    demo = core.get("demographics") or {}
    age = int(core["age"])
    out: list[Finding] = []
    rank = EDUCATION_RANK.get(str(demo.get("education")))
    isco = demo.get("isco_major")
    need = MIN_EDUCATION_BY_ISCO.get(int(isco), 0) if isinstance(isco, int) else 0
    if TRAINED.search(str(core["occupation"])):
        need = max(need, EDUCATION_RANK["upper_secondary"])
    if rank is not None and rank < need:
        out.append((TABLE_ATTRIBUTE_PATHS["education"],
                    f"education '{demo['education']}' is below what a {core['occupation']} needs"))
    marital = _marital(state)
    bio = state.get("bio") or ""
    for pattern in BIO_MARITAL.values():
        said = pattern.search(bio)
        if said and marital in ("married", "never_married"):
            out.append((TABLE_ATTRIBUTE_PATHS["marital_status"],
                        f"marital status '{marital}' but the biography says '{said[0]}'"))
            break
    partners = [f["text"] for f in state.get("facts", []) if f["kind"] == "person" and _is_partner(f["text"])]
    if partners and marital in ("never_married", "divorced_separated", "widowed"):
        out.append(("facts", f"the ledger names a current partner ({partners[0]}) but marital status is {marital}"))
    urban = demo.get("urban")
    settlement = city_settlement(str(core["country"]), str(core["city"]))
    if urban is not None and settlement is not None and bool(urban) != (settlement == "urban"):
        out.append((TABLE_ATTRIBUTE_PATHS["urban"], f"settlement '{'urban' if urban else 'rural'}' but "
                    f"{core['city']} is {settlement}"))
    for text, child in child_ages(state.get("facts", [])):
        if child > age - MIN_PARENT_GAP:
            out.append(("facts", f"{text}: a child aged {child} is impossible for a parent aged {age}"))
    return out


def value_findings(state: PersonaState) -> list[Finding]:
    """LLM values that contradict the marital status or the settlement."""
    marital = _marital(state)
    urban = (state["core"].get("demographics") or {}).get("urban")
    out = []
    for a in state.get("attributes", []):
        value: Any = a["value"]
        text = " ".join(value) if isinstance(value, list) else str(value)
        name = a["path"].split(" > ")[-1]
        if marital == "never_married" and SPOUSE.search(name) and not isinstance(value, bool) and value != 0:
            out.append((a["path"], f"a value about a spouse ({text[:60]}) for someone never married"))
        if "Local Environment" in a["path"] or "Settlement" in name:
            if urban is True and RURAL_WORDS.search(text):
                out.append((a["path"], f"'{text[:60]}' describes a rural place, but they live in a city"))
            elif urban is False and URBAN_WORDS.search(text):
                out.append((a["path"], f"'{text[:60]}' describes a city, but they live in a rural area"))
    return out


def rule_findings(state: PersonaState, tree: AttributeTree) -> list[Finding]:
    """Every rule's findings, one per path (the first reason wins)."""
    seen: dict[str, Finding] = {}
    for path, reason in [*core_findings(state), *number_findings(state, tree), *value_findings(state)]:
        seen.setdefault(path if path in tree else f"{path}: {reason}", (path, reason))
    return list(seen.values())
