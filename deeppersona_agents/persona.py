"""The persona record: the one object every stage fills and every consumer reads.

Stage 2 (``generation/``) builds it; populations store it as JSON lines; Mesa agents
(``simulation/``) render it into prompts with :meth:`Persona.as_system_prompt`
(:meth:`Persona.render` for other prompts); other LangChain code takes it as chat messages
(:meth:`Persona.as_messages`, ``handoff.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
from langchain_core.embeddings import Embeddings
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from deeppersona_agents._read import read_user_text
from deeppersona_agents.errors import ConfigError

if TYPE_CHECKING:
    from langchain_core.messages import AnyMessage

AttributeValue = bool | int | float | str | list[str]
Stratum = Literal["near", "mid", "far"]
Provenance = Literal["anchor", "table", "llm"]
RenderSize = Literal["summary", "relevant", "full"]


def format_value(value: AttributeValue) -> str:
    """Render an attribute value as short prose."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class Attribute(BaseModel):
    """One attribute-value pair; ``path`` is the tree path joined by " > "."""

    model_config = ConfigDict(frozen=True)

    path: str
    value: AttributeValue
    stratum: Stratum | None = None
    provenance: Provenance

    def as_text(self) -> str:
        """``"path: value"``, the line used in prompts."""
        return f"{self.path}: {format_value(self.value)}"


class Core(BaseModel):
    """The anchored core: drawn from tables or given by the user, never invented by the LLM."""

    age: int = Field(ge=0, le=120)
    gender: str
    country: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3")
    city: str
    occupation: str
    name: str
    demographics: dict[str, str | int | bool | None] = Field(
        default_factory=dict,
        description="codes drawn from the population tables (activity, isco_major, education, marital_status, "
        "religion, language, urban); what population audits compare with the tables",
    )

    def as_text(self) -> str:
        """One-line description used at the top of every prompt."""
        return (
            f"{self.name}, {self.age}-year-old {self.gender}, {self.occupation}, "
            f"living in {self.city} ({self.country})"
        )


class Attitude(BaseModel):
    """Life attitude: the headline, how it shows day to day, and how the person copes."""

    attitude: str
    details: str
    coping: str


class Fact(BaseModel):
    """One entry of the fact ledger the life stories fix: a person, place, dated event, employer or school."""

    model_config = ConfigDict(frozen=True)

    kind: str
    text: str


class Consistency(BaseModel):
    """What the consistency stage found and fixed (``remaining``: ``"path: reason"`` left as they were)."""

    found: int = 0
    fixed: int = 0
    remaining: list[str] = Field(default_factory=list)


class Manifest(BaseModel):
    """How a persona was made: enough to reproduce or audit it.

    Nothing here depends on the clock, so the same seed, model and configuration give a
    byte-identical record; stage timings go to progress events and the population's manifest.
    """

    package_version: str
    tree_version: str
    tree_hash: str
    model: str
    embeddings: str
    config: dict[str, object]
    llm_calls: int = Field(0, description="model calls sent to the endpoint (every attempt, retries included)")
    calls_cached: int = Field(0, description="model calls answered from LangChain's LLM cache")
    prompt_tokens: int = 0
    completion_tokens: int = 0
    consistency: Consistency = Field(default_factory=Consistency)
    not_applicable: list[str] = Field(
        default_factory=list,
        description="leaves swapped for another of their stratum: the model found they do not apply, or gave no "
        "usable value when asked twice (nothing is stored for them)")


class Persona(BaseModel):
    """A deep synthetic persona (JSON round-trips exactly)."""

    id: str
    seed: int
    index: int | None = Field(None, ge=0, description="position in its population run, if it belongs to one")
    anchors: dict[str, str] = Field(default_factory=dict, description="what the user gave, verbatim")
    core: Core
    values: str
    value_tone: Literal["positive", "negative", "neutral"]
    attitude: Attitude
    stories: list[str] = Field(min_length=1, max_length=3)
    facts: list[Fact] = Field(default_factory=list, description="the fact ledger: people, places, dated events, "
                              "employer, schools")
    hobbies: list[str]
    attributes: list[Attribute]
    summary: str
    manifest: Manifest

    _vectors: tuple[int, np.ndarray] | None = PrivateAttr(default=None)

    def sampled_attributes(self) -> list[Attribute]:
        """The attributes chosen from the tree and filled by the LLM (the persona's depth)."""
        return [a for a in self.attributes if a.provenance == "llm"]

    def render(
        self,
        size: RenderSize = "summary",
        *,
        question: str | None = None,
        embeddings: Embeddings | None = None,
        top_n: int = 20,
    ) -> str:
        """Render the persona as prompt text.

        Args:
            size: ``"summary"`` (summary only), ``"relevant"`` (summary plus the ``top_n``
                attributes closest to ``question`` by embedding), or ``"full"`` (everything).
            question: Required for ``"relevant"``.
            embeddings: Required for ``"relevant"``; any LangChain ``Embeddings``.
            top_n: How many attributes ``"relevant"`` keeps.

        Returns:
            The text block to put into a prompt.
        """
        if size == "summary":
            return self.summary
        if size == "relevant":
            if not question or embeddings is None:
                raise ConfigError("render('relevant') needs both question= and embeddings=")
            chosen = self.relevant_attributes(question, embeddings, top_n)
            lines = "\n".join(f"- {a.as_text()}" for a in chosen)
            return f"{self.summary}\n\nDetails that matter here:\n{lines}"
        if size == "full":
            return "\n".join(
                [
                    self.summary,
                    "",
                    f"Core: {self.core.as_text()}",
                    f"Values: {self.values}",
                    f"Life attitude: {self.attitude.attitude} {self.attitude.details} "
                    f"Coping: {self.attitude.coping}",
                    "Life stories:",
                    *(f"- {s}" for s in self.stories),
                    *(["Facts:", *(f"- {f.kind}: {f.text}" for f in self.facts)] if self.facts else []),
                    f"Hobbies: {', '.join(self.hobbies)}",
                    "Attributes:",
                    *(f"- {a.as_text()}" for a in self.attributes),
                ]
            )
        raise ConfigError(f"unknown render size {size!r}; use 'summary', 'relevant' or 'full'")

    def as_system_prompt(
        self,
        method: str = "deep",
        question: str | list[str] | None = None,
        depth: int | None = None,
        *,
        embeddings: Embeddings | None = None,
    ) -> str:
        """The system prompt of this persona as a survey respondent (see ``simulation/respondents.py``).

        Args:
            method: ``deep``, ``cultural``, ``shallow``, ``oneliner`` or ``bare``.
            question: The item text (or texts) the ``deep`` attributes are ranked against.
            depth: ``deep``: attributes shown (None = all, 0 = none).
            embeddings: For ranking attributes (the embedded MiniLM when None).
        """
        from deeppersona_agents.simulation.respondents import describe

        return describe(self, method, question, depth, embeddings=embeddings)

    def as_messages(
        self,
        question: str | None = None,
        *,
        method: str = "deep",
        depth: int | None = 20,
        instruction: str | None = None,
        embeddings: Embeddings | None = None,
    ) -> list[AnyMessage]:
        """This persona as LangChain chat messages, ready for any chat model's ``invoke``.

        Args:
            question: Added as a ``HumanMessage`` when given; ``deep`` also ranks attributes against it.
            method: The description, as in :meth:`as_system_prompt`.
            depth: ``deep``: sampled attributes shown, the most relevant first (None = all, 0 = none).
            instruction: Text appended to the system message (e.g. how to reply).
            embeddings: For ranking attributes (the embedded MiniLM when None).

        Returns:
            ``[SystemMessage(description)]``, plus ``HumanMessage(question)`` when a question is given.
        """
        from deeppersona_agents.handoff import persona_messages

        return persona_messages(self, question, method=method, depth=depth, instruction=instruction,
                                embeddings=embeddings)

    def attribute_vectors(self, embeddings: Embeddings) -> np.ndarray:
        """Unit embedding vectors of :attr:`attributes` (rows), computed once per embeddings object."""
        key = id(embeddings)
        if self._vectors is None or self._vectors[0] != key:
            vecs = np.asarray(embeddings.embed_documents([a.as_text() for a in self.attributes]), float)
            vecs = vecs.reshape(len(self.attributes), -1)
            vecs /= np.linalg.norm(vecs, axis=1, keepdims=True) + 1e-12
            self._vectors = (key, vecs)
        return self._vectors[1]

    def relevant_attributes(self, question: str, embeddings: Embeddings, top_n: int = 20) -> list[Attribute]:
        """The ``top_n`` attributes most similar to ``question`` (cosine of embeddings)."""
        if not self.attributes:
            return []
        q = np.asarray(embeddings.embed_query(question), float)
        q /= np.linalg.norm(q) + 1e-12
        scores = self.attribute_vectors(embeddings) @ q
        order = np.argsort(-scores, kind="stable")[:top_n]
        return [self.attributes[i] for i in order]


def load_personas(path: str | Path) -> list[Persona]:
    """Personas from a ``.jsonl`` file (one per line) or a ``.json`` file (one persona or a list).

    Raises:
        ConfigError: unreadable file or an invalid record (with its line number).
    """
    text = read_user_text(path, "personas file")
    records: list[tuple[int, str]]
    if str(path).endswith(".jsonl"):
        records = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path} is not valid JSON: {exc}") from None
        records = [(i, json.dumps(d)) for i, d in enumerate(data if isinstance(data, list) else [data], 1)]
    personas = []
    for number, raw in records:
        try:
            personas.append(Persona.model_validate_json(raw))
        except ValueError as exc:
            raise ConfigError(f"{path}, record {number}: not a persona record ({str(exc).splitlines()[0]})") from None
    if not personas:
        raise ConfigError(f"{path} holds no personas")
    return personas
