"""The real embedded model (SmolLM2-135M via llama-cpp-python) and MiniLM, end to end, offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from pydantic import BaseModel, Field

from deeppersona_agents import EmbeddedChatModel, Persona
from deeppersona_agents.structured import Usage, ask_structured

pytestmark = pytest.mark.embedded


class Pet(BaseModel):
    name: str = Field(min_length=1, max_length=30)
    legs: int
    kind: str = Field(json_schema_extra={"enum": ["cat", "dog", "bird"]})


def test_embedded_model_structured_output_always_parses():
    usage = Usage()
    pet = ask_structured(EmbeddedChatModel(), Pet, [("user", "Invent a pet for a child.")], stage="test",
                         usage=usage)
    assert pet.kind in ("cat", "dog", "bird") and pet.name.strip()
    assert usage.llm_calls == 1 and usage.prompt_tokens > 0 and usage.completion_tokens > 0


def test_cli_generates_a_real_persona_offline(tmp_path):
    out = tmp_path / "persona.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DEEPPERSONA_MODEL"))}
    env["DEEPPERSONA_CACHE"] = str(tmp_path / "cache")
    cmd = [sys.executable, "-m", "deeppersona_agents.cli", "generate", "--country", "KEN", "--anchor", "age=34",
           "--anchor", "occupation=nurse", "--attributes", "20", "--seed", "7", "--out", str(out)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    persona = Persona.model_validate(json.loads(out.read_text()))
    assert persona.core.age == 34 and persona.core.occupation == "nurse" and persona.core.country == "KEN"
    assert len(persona.sampled_attributes()) == 20
    assert 1 <= len(persona.stories) <= 3 and len(persona.hobbies) >= 2 and len(persona.summary) >= 80
    assert "SmolLM2" in persona.manifest.model and "MiniLM" in persona.manifest.embeddings
    assert persona.manifest.llm_calls >= 6 and persona.manifest.completion_tokens > 0
    assert "wrote" in done.stderr


def test_embedded_model_answers_survey_items_with_valid_codes(embeddings):
    from deeppersona_agents import GenerationConfig, generate_persona
    from deeppersona_agents.simulation.survey import SurveyModel
    from tests.fakes import FakeChatModel

    persona = generate_persona(country="IND", seed=3, model=FakeChatModel(), embeddings=embeddings,
                               config=GenerationConfig(attributes=20))
    for method in ("deep", "cultural"):
        sim = SurveyModel([persona], EmbeddedChatModel(), items=["Q46", "Q57", "Q184"], method=method, rng=0)
        sim.step()
        answers = {r["item"]: r["answer"] for r in sim.rows}
        assert answers["Q46"] in (1, 2, 3, 4) and answers["Q57"] in (1, 2) and 1 <= answers["Q184"] <= 10
