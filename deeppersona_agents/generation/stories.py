"""Node 4 — stories: one to three life episodes (how many is drawn by the sampler)."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime
from pydantic import BaseModel, Field, create_model

from deeppersona_agents.caching import load_once
from deeppersona_agents.generation.deps import PersonaDeps
from deeppersona_agents.generation.profile import profile_text, stage, stage_rng, trim_words
from deeppersona_agents.generation.state import PersonaState

STORY_WORDS = 200


@load_once  # one class per n, so the schema caches hit
def stories_schema(n: int) -> type[BaseModel]:
    """A schema with exactly ``n`` story fields (so constrained decoders return exactly n)."""
    story = (str, Field(min_length=40, description="one episode, 60-150 words"))
    return create_model(f"LifeStories{n}", **{f"story_{i}": story for i in range(1, n + 1)})  # type: ignore[call-overload]


def stories_node(state: PersonaState, runtime: Runtime, deps: PersonaDeps) -> dict[str, Any]:
    """Write the drawn number of life stories."""
    with stage(runtime, "stories", deps, state) as run:
        n = int(stage_rng(state, "stories").integers(1, 4))
        plural = "episode" if n == 1 else f"{n} different episodes"
        prompt = (
            f"{profile_text(state)}\n\n"
            f"Tell {plural} from this person's life, each 60-150 words, in the third person. Ground each in "
            "their country and region and in events that really happen to people like them: a turning point, "
            "a loss, a mistake, a lucky break, a conflict or something mundane that stuck. Outcomes may be "
            "good, bad or mixed. Report what happened plainly, without moralising."
        )
        answer = run.ask(stories_schema(n), prompt)
        run.update["stories"] = [trim_words(getattr(answer, f"story_{i}"), STORY_WORDS) for i in range(1, n + 1)]
    return run.update
