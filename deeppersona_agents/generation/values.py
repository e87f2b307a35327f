"""Node 2 — values: the person's core values, with a tone drawn by the seeded sampler.

The tone (positive / negative / neutral) is chosen by the random draw, not by the LLM, so a
population does not drift toward uniformly admirable people.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime
from pydantic import BaseModel, Field

from deeppersona_agents.generation.deps import PersonaDeps
from deeppersona_agents.generation.profile import core_text, stage, stage_rng
from deeppersona_agents.generation.state import PersonaState

TONES = ("positive", "negative", "neutral")
TONE_GUIDE = {
    "positive": "constructive and warm, though not saintly",
    "negative": "self-serving, bitter, rigid or cynical in some way, as real people can be",
    "neutral": "pragmatic and unremarkable, neither admirable nor troubling",
}


class CoreValues(BaseModel):
    """Structured answer of the values stage."""

    values: str = Field(min_length=3, max_length=300, description="one sentence naming what this person lives by")


def values_node(state: PersonaState, runtime: Runtime, deps: PersonaDeps) -> dict[str, Any]:
    """Infer the core values from the anchored core, in the drawn tone."""
    with stage(runtime, "values", deps, state) as run:
        tone = TONES[int(stage_rng(state, "values").integers(len(TONES)))]
        prompt = (
            f"{core_text(state)}\n\n"
            f"In one sentence, state the principles this person actually lives by. Their value system is "
            f"{tone}: {TONE_GUIDE[tone]}. Make it fit their age, work and place, be concrete, and do not "
            "hedge with contrasts."
        )
        answer = run.ask(CoreValues, prompt)
        run.update.update(value_tone=tone, values=answer.values.strip())
    return run.update
