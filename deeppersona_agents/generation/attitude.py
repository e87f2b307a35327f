"""Node 3 — attitude: how the person approaches life, day to day, and under pressure."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime
from pydantic import BaseModel, Field

from deeppersona_agents.generation.deps import PersonaDeps
from deeppersona_agents.generation.profile import profile_text, stage
from deeppersona_agents.generation.state import PersonaState


class LifeAttitude(BaseModel):
    """Structured answer of the attitude stage."""

    attitude: str = Field(min_length=3, max_length=200, description="their outlook on life, in under 12 words")
    details: str = Field(min_length=3, max_length=300, description="how that outlook shows in an ordinary day")
    coping: str = Field(min_length=3, max_length=200, description="what they do when things go wrong")


def attitude_node(state: PersonaState, runtime: Runtime, deps: PersonaDeps) -> dict[str, Any]:
    """Expand the values into a life attitude."""
    with stage(runtime, "attitude", deps, state) as run:
        prompt = (
            f"{profile_text(state)}\n\n"
            "Describe this person's attitude to life as it follows from their values: optimistic, "
            "resigned, anxious, defiant, indifferent or anything in between. Give the outlook itself, how "
            "it shows in their daily behaviour, and how they cope when things go badly (healthy or not)."
        )
        run.update["attitude"] = run.ask(LifeAttitude, prompt).model_dump()
    return run.update
