"""Node 5 — hobbies: interests inferred from the life stories, not copied from them."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime
from pydantic import BaseModel, Field

from deeppersona_agents.generation.deps import PersonaDeps
from deeppersona_agents.generation.profile import profile_text, stage
from deeppersona_agents.generation.state import PersonaState


class Hobbies(BaseModel):
    """Structured answer of the hobbies stage."""

    hobbies: list[str] = Field(min_length=2, max_length=4, description="2-4 pastimes, 1-5 words each")


def _check(answer: Hobbies) -> list[str]:
    cleaned = [h.strip() for h in answer.hobbies if h.strip()]
    problems = []
    if len(cleaned) < 2:
        problems.append("give at least two non-empty hobbies")
    if len({h.lower() for h in cleaned}) != len(cleaned):
        problems.append("hobbies must all be different")
    return problems


def hobbies_node(state: PersonaState, runtime: Runtime, deps: PersonaDeps) -> dict[str, Any]:
    """Infer two to four hobbies from who the person is and what happened to them."""
    with stage(runtime, "hobbies", deps, state) as run:
        prompt = (
            f"{profile_text(state)}\n\n"
            "What does this person do to unwind? Infer two to four pastimes that such a life would lead to, "
            "rather than repeating activities named in the stories. Any kind counts: sports, crafts, "
            "gaming, gambling, drinking, gardening, travel, religion, anything plausible."
        )
        answer = run.ask(Hobbies, prompt, check=_check)
        run.update["hobbies"] = [h.strip() for h in answer.hobbies if h.strip()]
    return run.update
