"""Node 4 — stories: one to three life episodes (how many is drawn by the sampler) and the fact ledger.

The same call returns the facts the stories fix (people with relation and age, places, dated
events, employer, schools); they become ``state["facts"]``, a list of ``{"kind", "text"}`` that
every later prompt shows (:func:`~deeppersona_agents.generation.profile.ledger_text`) and the
consistency stage checks against.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from langgraph.runtime import Runtime
from pydantic import BaseModel, Field, create_model

from deeppersona_agents.caching import load_once
from deeppersona_agents.generation.deps import PersonaDeps
from deeppersona_agents.generation.profile import current_year, profile_text, stage, stage_rng, trim_words
from deeppersona_agents.generation.state import PersonaState

STORY_WORDS = 200
#: A short name (bounded so constrained decoders cannot ramble).
Place = Annotated[str, Field(min_length=2, max_length=60)]
FACT_KINDS = ("person", "place", "event", "employer", "school")
#: Relations that make someone the person's child (their age must leave room for the parent's).
CHILD = re.compile(r"\b(son|daughter|child|stepson|stepdaughter|stepchild)\b", re.I)
PERSON_FACT = re.compile(r"\((?P<relation>[^,()]+), age (?P<age>\d+)\)$")
MIN_PARENT_GAP = 12  # a child at least this many years younger than the person (checked in rules.py)


class Relative(BaseModel):
    """Someone in the person's life."""

    name: str = Field(min_length=1, max_length=40)
    relation: str = Field(min_length=1, max_length=30, description="their relation to the person, e.g. son")
    age: int | None = Field(ge=0, le=100, description="their age in the current year; null if unknown or dead")


@load_once  # one class per (n, born, year), so the schema caches hit
def stories_schema(n: int, born: int, year: int) -> type[BaseModel]:
    """Exactly ``n`` story fields (so constrained decoders return exactly n) plus the facts they fix.

    Event years run from the birth year to the current year (a range small enough for the embedded
    model's grammar to enforce).
    """
    event = create_model(
        "DatedEvent",
        year=(int, Field(ge=born, le=year)),
        what=(str, Field(min_length=3, max_length=80)),
    )
    story = (str, Field(min_length=40, description="one episode, 60-150 words"))
    return create_model(  # type: ignore[call-overload, no-any-return]
        f"LifeStories{n}",
        **{f"story_{i}": story for i in range(1, n + 1)},
        people=(list[Relative], Field(max_length=6, description="people named or implied, with their age now")),
        places=(list[Place], Field(max_length=4, description="places they lived, worked or studied")),
        events=(list[event], Field(max_length=5, description="dated events of their life")),  # type: ignore[valid-type]
        employer=(str | None, Field(max_length=60, description="current employer; null if none")),
        schools=(list[Place], Field(max_length=3, description="schools, colleges or trainings attended")),
    )


def ledger(answer: BaseModel) -> list[dict[str, str]]:
    """The answer's facts as ``{"kind", "text"}`` records (people as ``Name (relation, age N)``)."""
    facts = []
    for p in answer.people:  # type: ignore[attr-defined]
        age = f", age {p.age}" if p.age is not None else ""
        facts.append({"kind": "person", "text": f"{p.name.strip()} ({p.relation.strip()}{age})"})
    facts += [{"kind": "place", "text": s.strip()} for s in answer.places if s.strip()]  # type: ignore[attr-defined]
    facts += [{"kind": "event", "text": f"{e.year}: {e.what.strip()}"} for e in answer.events]  # type: ignore[attr-defined]
    if (answer.employer or "").strip():  # type: ignore[attr-defined]
        facts.append({"kind": "employer", "text": answer.employer.strip()})  # type: ignore[attr-defined]
    facts += [{"kind": "school", "text": s.strip()} for s in answer.schools if s.strip()]  # type: ignore[attr-defined]
    return facts


def child_ages(facts: list[dict[str, str]]) -> list[tuple[str, int]]:
    """``(fact text, age)`` of every person fact that names a child of the person with an age."""
    out = []
    for f in facts:
        m = PERSON_FACT.search(f["text"]) if f["kind"] == "person" else None
        if m and CHILD.search(m["relation"]):
            out.append((f["text"], int(m["age"])))
    return out


def stories_node(state: PersonaState, runtime: Runtime, deps: PersonaDeps) -> dict[str, Any]:
    """Write the drawn number of life stories and the facts they fix."""
    with stage(runtime, "stories", deps, state) as run:
        n = int(stage_rng(state, "stories").integers(1, 4))
        year, age = current_year(state), int(state["core"]["age"])
        plural = "episode" if n == 1 else f"{n} different episodes"
        prompt = (
            f"{profile_text(state)}\n\n"
            f"Tell {plural} from this person's life, each 60-150 words, in the third person. Ground each in "
            "their country and region and in events that really happen to people like them: a turning point, "
            "a loss, a mistake, a lucky break, a conflict or something mundane that stuck. Outcomes may be "
            "good, bad or mixed. Report what happened plainly, without moralising. Date episodes by year "
            f"(it is now {year}; they were born about {year - age}).\n\n"
            "Then list the facts the profile and the stories fix, for later writers to keep: the people in "
            f"their life (name, relation to them, age in {year}; include partner, children and parents where "
            "they have them), places, dated events, current employer (null if none) and schools attended. "
            "List only what the profile and stories state or clearly imply."
        )
        answer = run.ask(stories_schema(n, year - age, year), prompt)  # ledger contradictions: see rules.py
        run.update["stories"] = [trim_words(getattr(answer, f"story_{i}"), STORY_WORDS) for i in range(1, n + 1)]
        run.update["facts"] = ledger(answer)
    return run.update
