"""Respondent descriptions: who the person is, relevant attributes by embedding, cacheable prefixes."""

from __future__ import annotations

import pytest

from deeppersona_agents import GenerationConfig, generate_persona
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.persona import Attribute
from deeppersona_agents.simulation import load_instrument
from deeppersona_agents.simulation.respondents import Relevance, candidate_attributes, describe, persona_block
from tests.fakes import FakeChatModel

TRUST = Attribute(path="Relationships and Social Life > Trust > Trust in Strangers",
                  value="believes most people can be trusted, lends money to neighbours", provenance="llm")


@pytest.fixture(scope="module")
def persona(embeddings):
    p = generate_persona(country="IND", seed=3, model=FakeChatModel(), embeddings=embeddings,
                         config=GenerationConfig(attributes=20))
    return p.model_copy(update={"attributes": [*p.attributes, TRUST]})


@pytest.fixture(scope="module")
def wvs():
    return load_instrument("wvs7")


def test_deep_says_who_they_are_and_what_they_lived(persona):
    text = describe(persona, "deep", depth=0)
    demo = persona.core.demographics
    for shown in (persona.core.name, str(persona.core.age), persona.core.gender, persona.core.city,
                  persona.core.occupation, persona.values, persona.attitude.coping, *persona.stories):
        assert shown in text
    assert ("rural area" if not demo["urban"] else "urban area") in text
    for label in ("Education:", "Religion:", "Marital status:", "Languages:"):
        assert label in text
    assert "upper_secondary" not in text and "never_married" not in text  # readable labels, not codes
    assert persona.summary not in text and persona.hobbies[0] not in text  # both would leak attributes at depth 0


def test_depth_varies_only_the_attributes_and_the_prefix_is_byte_identical(persona, wvs, embeddings):
    relevance = Relevance(embeddings)
    q46, q57 = wvs.item("Q46").text, wvs.item("Q57").text
    bare = describe(persona, "deep", q57, 0, relevance=relevance)
    five = describe(persona, "deep", q57, 5, relevance=relevance)
    other = describe(persona, "deep", q46, 5, relevance=relevance)
    assert bare == persona_block(persona, "deep")
    assert five.startswith(bare + "\n\n") and other.startswith(bare + "\n\n")
    assert five[len(bare):].count("\n- ") == 5
    assert describe(persona, "deep", q57, None, relevance=relevance)[len(bare):].count("\n- ") == \
        len(candidate_attributes(persona))
    # Q57 asks whether most people can be trusted: the trust attribute ranks first
    first = five[len(bare):].split("\n- ")[1]
    assert first.startswith("Trust in Strangers: believes most people can be trusted")
    assert persona.as_system_prompt("deep", q57, 5, embeddings=embeddings) == five
    with pytest.raises(ConfigError, match="depth"):
        describe(persona, "deep", q57, -1)


def test_attribute_vectors_are_computed_once_per_persona(persona, wvs):
    class Counting:
        def __init__(self, inner):
            self.inner, self.documents = inner, 0

        def embed_documents(self, texts):
            self.documents += len(texts)
            return self.inner.embed_documents(texts)

        def embed_query(self, text):
            return self.inner.embed_query(text)

    from langchain_core.embeddings import Embeddings

    from deeppersona_agents.embedded import MiniLMEmbeddings

    counting = Counting(MiniLMEmbeddings())
    Embeddings.register(Counting)
    relevance = Relevance(counting)  # type: ignore[arg-type]
    for _ in range(3):
        for item in wvs.items[:10]:
            describe(persona, "deep", item.text, 5, relevance=relevance)
    assert counting.documents == len(candidate_attributes(persona)) + 10  # attributes once, each question once


def test_baselines(persona):
    cultural = describe(persona, "cultural")
    assert cultural == ("You are an average human being born in India and living in India responding to the "
                        "following survey question.")
    shallow = describe(persona, "shallow").splitlines()[1:]
    assert len(shallow) <= 10
    assert {"Education", "Religion", "Marital status"} <= {line.split(":")[0] for line in shallow}
    assert describe(persona, "bare") == ""
    with pytest.raises(ConfigError, match="unknown method"):
        describe(persona, "telepathy")


def test_deep_prompt_at_depth_50_stays_under_12000_characters_for_a_k200_persona(embeddings, wvs):
    big = generate_persona(country="USA", seed=11, model=FakeChatModel(), embeddings=embeddings,
                           config=GenerationConfig(attributes=200))
    assert len(candidate_attributes(big)) >= 150
    relevance = Relevance(embeddings)
    lengths = [len(describe(big, "deep", item.text, 50, relevance=relevance)) for item in wvs.items]
    assert max(lengths) < 12_000, max(lengths)
    prefix = persona_block(big, "deep")
    assert describe(big, "deep", wvs.items[0].text, 50, relevance=relevance)[len(prefix):].count("\n- ") == 50
    print(f"k=200 persona, depth 50: deep system prompt {min(lengths):,}-{max(lengths):,} characters")
