"""Who answers: the respondent description (system prompt) for each comparison method.

Sits between the persona record and the Mesa survey (``survey.py``); the one home of every
description, public as :meth:`Persona.as_system_prompt`.

* ``deep``      — who the person is (name, age, gender, place and settlement, occupation, education,
  religion, marital status, household, languages), values, outlook and coping, the life stories,
  then the ``depth`` sampled attributes most similar to the question (embedding cosine). ``depth=0``
  is the same text without attributes, so a depth ablation varies the attributes only. The summary
  and hobbies are left out: both are syntheses of attributes and would leak them at depth 0.
* ``cultural``  — the cultural-prompting baseline of Tao et al. (2024): "an average human being born
  in [country] and living in [country]", nothing else.
* ``shallow``   — at most ten demographic fields (education, religion and marital status included);
* ``oneliner``  — one sentence, PersonaHub style;
* ``bare``      — no description at all.

Every description starts with a block that depends on the persona only, in a fixed order, so the
same persona sends a byte-identical prefix with every item (provider prompt caching applies); the
question-dependent attributes come last.
"""

from __future__ import annotations

from collections.abc import Sequence
from threading import Lock

import numpy as np
from langchain_core.embeddings import Embeddings

from deeppersona_agents.demographics import country_name
from deeppersona_agents.demographics.core import TABLE_ATTRIBUTE_PATHS
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.persona import Attribute, Persona

METHODS: tuple[str, ...] = ("deep", "cultural", "shallow", "oneliner", "bare")

#: Demonyms for the survey's nationality wording (Q254); other countries fall back to a phrase.
DEMONYMS = {
    "ARG": "Argentinian", "AUS": "Australian", "BGD": "Bangladeshi", "BRA": "Brazilian", "CAN": "Canadian",
    "CHN": "Chinese", "COL": "Colombian", "DEU": "German", "EGY": "Egyptian", "ESP": "Spanish", "FRA": "French",
    "GBR": "British", "IDN": "Indonesian", "IND": "Indian", "IRN": "Iranian", "ITA": "Italian", "JPN": "Japanese",
    "KEN": "Kenyan", "KOR": "South Korean", "MEX": "Mexican", "NGA": "Nigerian", "PAK": "Pakistani",
    "POL": "Polish", "RUS": "Russian", "TUR": "Turkish", "USA": "American", "VNM": "Vietnamese",
    "ZAF": "South African",
}

#: Household attributes shown in "who you are" (when sampled), not among the question's attributes.
HOUSEHOLD = tuple(f"Demographic Information > Household Composition > {leaf}"
                  for leaf in ("Household Type", "Household Size", "Household Members"))


def nationality(iso3: str) -> str:
    """``"Kenyan"`` for KEN; a neutral phrase where no demonym is listed."""
    return DEMONYMS.get(iso3, f"a citizen of {country_name(iso3)}")


def _demographic(persona: Persona, field: str) -> str | None:
    """A table-drawn field as readable text (the table attribute's label, else the code)."""
    path = TABLE_ATTRIBUTE_PATHS[field]
    for attribute in persona.attributes:
        if attribute.path == path:
            return attribute.as_text().split(": ", 1)[1]
    code = persona.core.demographics.get(field)
    if code is None or isinstance(code, bool):
        return None
    return str(code).replace("_", " ").replace(";", ", ")


def _settlement(persona: Persona) -> str | None:
    urban = persona.core.demographics.get("urban")
    return None if urban is None else ("urban" if urban else "rural")


def identity(persona: Persona) -> list[tuple[str, str]]:
    """Who the person is, as (label, value) pairs in a fixed order; fields the persona lacks are left out."""
    core = persona.core
    place = f"{core.city}, {country_name(core.country)}"
    settlement = _settlement(persona)
    household = "; ".join(a.as_text().split(" > ")[-1] for a in persona.attributes if a.path in HOUSEHOLD)
    fields = [("Name", core.name), ("Age", str(core.age)), ("Gender", core.gender),
              ("Lives in", f"{place} ({settlement} area)" if settlement else place), ("Occupation", core.occupation),
              ("Education", _demographic(persona, "education")), ("Religion", _demographic(persona, "religion")),
              ("Marital status", _demographic(persona, "marital_status")), ("Household", household or None),
              ("Languages", _demographic(persona, "language"))]
    return [(label, value) for label, value in fields if value]


def candidate_attributes(persona: Persona) -> list[int]:
    """Indices (in ``persona.attributes``) of the sampled attributes a question can draw on."""
    return [i for i, a in enumerate(persona.attributes) if a.provenance == "llm" and a.path not in HOUSEHOLD]


class Relevance:
    """Ranks a persona's sampled attributes by embedding similarity to the question.

    Attribute vectors are computed once per persona and question vectors once per text, then reused
    for every item, sample and method that shares this ranker. Thread-safe.

    Args:
        embeddings: Any LangChain ``Embeddings`` (the embedded MiniLM by default).
    """

    def __init__(self, embeddings: Embeddings | None = None) -> None:
        from deeppersona_agents.llm import resolve_embeddings

        self.embeddings = resolve_embeddings(embeddings)
        self._questions: dict[str, np.ndarray] = {}
        self._personas: dict[tuple[str, int], np.ndarray] = {}
        self._keys: dict[int, tuple[Persona, tuple[str, int]]] = {}
        self._lock = Lock()

    def _embed(self, texts: list[str]) -> np.ndarray:
        vecs = np.asarray(self.embeddings.embed_documents(texts), float).reshape(len(texts), -1)
        return vecs / (np.linalg.norm(vecs, axis=1, keepdims=True) + 1e-12)

    def _key(self, persona: Persona) -> tuple[str, int]:
        """The persona's id and a hash of its candidate attributes, worked out once per persona object."""
        known = self._keys.get(id(persona))
        if known is not None and known[0] is persona:  # the object is kept, so its id cannot be reused
            return known[1]
        key = persona.id, hash(tuple(persona.attributes[i].as_text() for i in candidate_attributes(persona)))
        self._keys[id(persona)] = (persona, key)
        return key

    def prepare(self, personas: Sequence[Persona]) -> None:
        """Embed the candidate attributes of every persona not seen yet, in one batch."""
        with self._lock:
            todo = {self._key(p): p for p in personas if candidate_attributes(p) and self._key(p) not in self._personas}
            texts = [[p.attributes[i].as_text() for i in candidate_attributes(p)] for p in todo.values()]
            if not texts:
                return
            vectors = self._embed([t for group in texts for t in group])
            start = 0
            for key, group in zip(todo, texts, strict=True):
                self._personas[key] = vectors[start:start + len(group)]
                start += len(group)

    def question_vectors(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of ``texts`` (rows), embedding each text once."""
        with self._lock:
            new = sorted({t for t in texts if t not in self._questions})
            if new:
                self._questions.update(zip(new, self._embed(new), strict=True))
            return np.stack([self._questions[t] for t in texts])

    def top(self, persona: Persona, questions: Sequence[str], depth: int | None) -> list[Attribute]:
        """The ``depth`` candidate attributes closest to any of ``questions`` (all candidates when None)."""
        pool = candidate_attributes(persona)
        if depth == 0 or not pool:
            return []
        self.prepare([persona])
        vectors = self._personas[self._key(persona)]
        scores = (vectors @ self.question_vectors(questions).T).max(axis=1)
        order = np.argsort(-scores, kind="stable")[: len(pool) if depth is None else depth]
        return [persona.attributes[pool[i]] for i in order]


def persona_block(persona: Persona, method: str) -> str:
    """The question-independent part of the description (the cacheable prefix; empty for ``bare``)."""
    core = persona.core
    place = country_name(core.country)
    if method == "deep":
        who = "\n".join(f"- {label}: {value}" for label, value in identity(persona))
        stories = "\n".join(f"{n}. {story}" for n, story in enumerate(persona.stories, 1))
        return (f"You are {core.name}. Answer every question as yourself, from your own life and views.\n\n"
                f"Who you are:\n{who}\n\nWhat you value: {persona.values}\n\n"
                f"Your outlook on life: {persona.attitude.attitude} {persona.attitude.details}\n"
                f"How you cope when things go wrong: {persona.attitude.coping}\n\n"
                f"Stories from your life:\n{stories}")
    if method == "cultural":  # Tao et al. (2024), cultural prompting
        return (f"You are an average human being born in {place} and living in {place} "
                "responding to the following survey question.")
    if method == "shallow":
        fields = dict(identity(persona))
        settlement = _settlement(persona)
        shown: dict[str, object] = {"Name": core.name, "Age": core.age, "Gender": core.gender, "Country": place,
                 "Place": f"{core.city} ({settlement})" if settlement else core.city, "Occupation": core.occupation,
                 **{k: fields[k] for k in ("Education", "Religion", "Marital status", "Languages") if k in fields}}
        return "You are the following person:\n" + "\n".join(f"{k}: {v}" for k, v in shown.items())
    if method == "oneliner":
        return f"You are a {core.age}-year-old {core.gender} {core.occupation} from {core.city}, {place}."
    if method == "bare":
        return ""
    raise ConfigError(f"unknown method {method!r}; use one of {', '.join(METHODS)}", param="method")


def details_block(attributes: Sequence[Attribute]) -> str:
    """The question's attributes as short lines (leaf name and value), or empty."""
    if not attributes:
        return ""
    lines = "\n".join(f"- {a.as_text().split(' > ')[-1]}" for a in attributes)
    return f"More about you that may matter here:\n{lines}"


def describe(
    persona: Persona,
    method: str,
    questions: str | Sequence[str] | None = None,
    depth: int | None = None,
    *,
    relevance: Relevance | None = None,
    embeddings: Embeddings | None = None,
) -> str:
    """The respondent's system prompt: :func:`persona_block`, then (``deep``) the question's attributes.

    Args:
        persona: The respondent.
        method: One of :data:`METHODS`.
        questions: The item text (or the texts of a questionnaire block) attributes are ranked against;
            without it ``deep`` shows the first ``depth`` sampled attributes in stored order.
        depth: ``deep`` only: attributes shown (None = all, 0 = none).
        relevance: A shared ranker (reuses vectors across calls); built from ``embeddings`` when None.
        embeddings: Embeddings for a new ranker (the embedded MiniLM when None).
    """
    block = persona_block(persona, method)
    return join_description(block, question_details(persona, method, questions, depth, relevance or embeddings))


def join_description(block: str, details: str) -> str:
    """The system prompt from the persona block and the question's details (the block alone when none)."""
    return f"{block}\n\n{details}" if details else block


def question_details(persona: Persona, method: str, questions: str | Sequence[str] | None, depth: int | None,
                     ranker: Relevance | Embeddings | None = None) -> str:
    """The question-dependent part of :func:`describe` (``deep`` only; empty otherwise or at depth 0).

    ``ranker`` is a shared :class:`Relevance`, or the embeddings for a new one (the embedded MiniLM when None).
    """
    if depth is not None and depth < 0:
        raise ConfigError(f"depth must be 0 or more, not {depth}", param="depth")
    if method != "deep" or depth == 0:
        return ""
    if questions is None:
        pool = [persona.attributes[i] for i in candidate_attributes(persona)]
        chosen = pool if depth is None else pool[:depth]
    elif candidate_attributes(persona):
        ranking = ranker if isinstance(ranker, Relevance) else Relevance(ranker)
        chosen = ranking.top(persona, [questions] if isinstance(questions, str) else list(questions), depth)
    else:
        chosen = []
    return details_block(chosen)
