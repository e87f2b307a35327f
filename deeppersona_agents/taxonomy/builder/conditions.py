"""The LLM step that decides when leaves apply: batches of leaves in, ``applies_if`` conditions out.

Used by the builder's optional ``conditions`` stage (new leaves) and by
``scripts/classify_leaf_conditions.py`` (a whole tree). The reply lists only the leaves that do
not apply to everyone, each with its condition in a flat, schema-friendly form that
:func:`to_condition` turns into the tree's ``applies_if`` format.
"""

from __future__ import annotations

from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from deeppersona_agents.structured import Usage, ask_structured
from deeppersona_agents.taxonomy import conditions as cond
from deeppersona_agents.taxonomy.tree import SEP

SYSTEM = SystemMessage(
    "You annotate a taxonomy of human attributes used to write synthetic personas. For each attribute you "
    "decide whether it makes sense for every adult, or only for people in some situation. Reply only with the "
    "JSON requested."
)


class Test(BaseModel):
    """One test on one fact about the person."""

    field: Literal["age", "sex", "activity", "partner", "children", "settlement", "religiosity", "education",
                   "country"]
    values: list[str] = Field(default_factory=list, description="allowed values (any of them); empty for age")
    min_age: int | None = Field(None, description="age only: lowest age in years, inclusive")
    max_age: int | None = Field(None, description="age only: highest age in years, inclusive")


class LeafCondition(BaseModel):
    """A leaf that only applies to some people."""

    index: int
    reason: str = Field(description="a few words: who the attribute would not make sense for")
    any_of: list[list[Test]] = Field(min_length=1, description="alternatives; each is a list of tests that "
                                                               "must all hold (usually one alternative)")


class LeafConditions(BaseModel):
    """The conditional leaves of a numbered batch; leaves not listed apply to everyone."""

    conditional: list[LeafCondition]


def to_condition(alternatives: list[list[Test]]) -> dict[str, Any]:
    """The tree's compact ``applies_if`` for a list of alternatives of all-of tests."""

    def one(test: Test) -> dict[str, Any]:
        if test.field == "age":
            return {"age": [test.min_age, test.max_age]}
        return {test.field: list(dict.fromkeys(test.values))}

    parts = []
    for tests in alternatives:
        found = [one(t) for t in tests]
        parts.append(found[0] if len(found) == 1 else {"all": found})
    return parts[0] if len(parts) == 1 else {"any": parts}


VOCABULARY = (
    "Facts known about every person before attributes are chosen, and the values a test may allow:\n"
    "- age: a range in whole years (min_age and/or max_age, inclusive)\n"
    "- sex: female | male\n"
    "- activity: employed (works for an employer) | self_employed (runs own business, farm or freelance work) | "
    "unemployed | student | retired | homemaker\n"
    "- partner: has (a current partner or spouse) | had (had one, none now: separated, divorced, widowed) | never\n"
    "- children: has | none\n"
    "- settlement: urban | rural\n"
    "- religiosity: believer | nonbeliever\n"
    "- education, the highest level completed: less_than_primary | primary | lower_secondary | upper_secondary | "
    "tertiary (a current student has not completed the level they study at)\n"
    "- country: ISO-3 codes or continents (africa, asia, europe, north_america, south_america, oceania), only for "
    "a practice or institution that exists in some places and not others\n"
)

RULES = (
    "Give a condition only when the attribute would be meaningless for people outside it: asking them could "
    "only be answered 'not applicable' or 'none'. Examples: date-night frequency needs partner has; parenting "
    "style needs children has; reasons for staying child-free need children none; relationship with a manager "
    "needs activity employed; biggest business risk taken needs activity self_employed; retirement adjustment "
    "needs activity retired; prayer frequency needs religiosity believer; memories of university life need "
    "education tertiary, or activity student with age 18 or more; menstrual-cycle regularity needs sex "
    "female and age 10 to 60; livestock kept needs settlement rural.\n"
    "Give no condition when the attribute applies to anyone, even if its answer differs a lot between people: "
    "views, values, preferences, hopes, skills, habits, past experiences everyone has had (childhood, school "
    "years), and attitudes towards marriage, children, work or religion (a single person can hold views on "
    "marriage; an unemployed person has career goals). When in doubt, give no condition.\n"
    "Use the weakest condition that excludes only the people it must: a current job needs activity employed or "
    "self_employed; a past partner needs partner has or had; memories of raising children need children has. "
    "Never combine tests that cannot hold together."
)


def classify_conditions(model: BaseChatModel, leaves: list[tuple[tuple[str, ...], str]], structured_method: str,
                        usage: Usage) -> dict[str, dict[str, Any]]:
    """Conditions for the leaves of a batch that do not apply to everyone, keyed by the joined path.

    Args:
        model: Any LangChain chat model.
        leaves: ``(path, description)`` of each leaf, in tree order.
        structured_method: Structured-output method.
        usage: Accumulator for calls and tokens.
    """
    listing = "\n".join(f"{i}. {SEP.join(path)}: {desc}" for i, (path, desc) in enumerate(leaves))

    def check(answer: LeafConditions) -> list[str]:
        found = []
        for item in answer.conditional:
            if not 0 <= item.index < len(leaves):
                found.append(f"index {item.index} is not in the list (0-{len(leaves) - 1})")
                continue
            value = to_condition(item.any_of)
            bad = list(cond.problems(value, f"leaf {item.index}"))
            if not bad and not cond.satisfiable(value):
                bad = [f"leaf {item.index}: the tests can never all hold"]
            if not bad and cond.always_true(value):
                bad = [f"leaf {item.index}: the condition allows everyone; leave the leaf out instead"]
            found.extend(bad)
        return found

    prompt = (f"{VOCABULARY}\n{RULES}\n\nList the attributes below that apply only to some people, with the "
              f"condition under which each applies. Leave out every attribute that applies to everyone.\n\n{listing}")
    answer = ask_structured(model, LeafConditions, [SYSTEM, HumanMessage(prompt)], stage="conditions",
                            structured_method=structured_method, check=check, usage=usage)
    return {SEP.join(leaves[item.index][0]): to_condition(item.any_of) for item in answer.conditional}
