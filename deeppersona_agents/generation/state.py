"""Typed graph state of Stage 2: what flows between the nodes."""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

from deeppersona_agents.usage import add_usage


class PersonaInput(TypedDict, total=False):
    """What a caller gives: anchors, bio, country, and optionally the ``seed`` and ``config`` of this persona.

    ``anchors`` maps keys to fixed values; ``bio`` is free text kept verbatim; ``config`` is a
    ``GenerationConfig`` or its dict (default: the generator's own).
    """

    anchors: dict[str, str]
    bio: str
    country: str
    seed: int
    config: Any


class PersonaOutput(TypedDict):
    """What the graph returns: the finished persona record as a dict (``Persona.model_validate``)."""

    persona: dict[str, Any]


class PersonaState(PersonaInput, total=False):
    """Everything the nodes read and write, in stage order."""

    core: dict[str, Any]
    core_sources: dict[str, str]
    anchor_attributes: list[dict[str, Any]]
    value_tone: str
    values: str
    attitude: dict[str, str]
    stories: list[str]
    facts: list[dict[str, str]]
    hobbies: list[str]
    selected: list[dict[str, str]]
    attributes: list[dict[str, Any]]
    not_applicable: list[str]
    consistency: dict[str, Any]
    summary: str
    persona: dict[str, Any]
    usage: Annotated[dict[str, int], add_usage]
