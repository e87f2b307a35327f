from __future__ import annotations

import pytest

from deeppersona_agents import GenerationConfig, Persona, generate_persona
from deeppersona_agents.errors import ConfigError
from tests.fakes import FakeChatModel


@pytest.fixture(scope="module")
def persona(embeddings):
    return generate_persona({"age": "61"}, country="JPN", seed=4, model=FakeChatModel(), embeddings=embeddings,
                            config=GenerationConfig(attributes=60))


def test_json_round_trip_is_exact(persona):
    text = persona.model_dump_json()
    assert Persona.model_validate_json(text).model_dump_json() == text


def test_typed_values_survive_round_trip(persona):
    kinds = {type(a.value) for a in Persona.model_validate_json(persona.model_dump_json()).attributes}
    assert str in kinds and (float in kinds or bool in kinds or list in kinds)


def test_render_sizes(persona, embeddings):
    summary = persona.render("summary")
    relevant = persona.render("relevant", question="How does this person sleep?", embeddings=embeddings, top_n=5)
    full = persona.render("full")
    assert summary == persona.summary
    assert relevant.startswith(summary) and relevant.count("\n- ") == 5
    assert len(full) > len(relevant) and all(a.as_text() in full for a in persona.attributes)


def test_relevant_render_picks_related_attributes(persona, embeddings):
    top = persona.relevant_attributes("what is this person's name and age?", embeddings, top_n=3)
    assert any(a.path.endswith(("Full Name", "Age")) for a in top)


def test_render_relevant_needs_question_and_embeddings(persona):
    with pytest.raises(ConfigError, match="question"):
        persona.render("relevant")


def test_manifest_records_how_it_was_made(persona):
    m = persona.manifest
    assert m.model == "fake-structured" and "MiniLM" in m.embeddings
    assert m.tree_version and len(m.tree_hash) == 16 and m.config["attributes"] == 60
    assert "timings" not in m.model_dump()  # the record holds nothing that depends on the clock
    assert m.llm_calls == 6 and m.prompt_tokens > m.completion_tokens > 0  # 5 stages + one fill batch of 60
