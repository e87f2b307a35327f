"""Hand a persona to other LangChain code: chat messages and a "what would this person say or do" tool.

Sits after generation and populations, beside the survey (``simulation/``): the system prompt is the
survey's respondent description (:func:`deeppersona_agents.simulation.respondents.describe`, public as
:meth:`Persona.as_system_prompt`), so an agent built here and a survey respondent are the same person.
Exports to files for other frameworks live in :mod:`deeppersona_agents.export`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AnyMessage, HumanMessage, SystemMessage
from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field

from deeppersona_agents.errors import ConfigError

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from deeppersona_agents.persona import Persona
    from deeppersona_agents.simulation.respondents import Relevance

#: Added to the system prompt by :func:`persona_tool`: the reply is the person speaking, not a report about them.
IN_CHARACTER = (
    "Reply in the first person, as yourself. Say what you would say or do in this situation and why, "
    "in a few sentences and in your own voice, drawing on your life, values and circumstances. "
    "Never describe yourself from the outside and never mention being a persona, a simulation or an AI."
)
#: Sampled attributes the tool shows per question (the most similar ones); the rest stay out of the prompt.
TOOL_DEPTH = 20


def persona_messages(
    persona: Persona,
    question: str | None = None,
    *,
    method: str = "deep",
    depth: int | None = TOOL_DEPTH,
    instruction: str | None = None,
    embeddings: Embeddings | None = None,
    relevance: Relevance | None = None,
) -> list[AnyMessage]:
    """The system message describing ``persona`` (plus the question as a human message when given).

    See :meth:`Persona.as_messages`; ``relevance`` reuses one attribute ranker across calls.
    """
    from deeppersona_agents.simulation.respondents import describe

    if question is not None and not question.strip():
        raise ConfigError("question is empty; pass the question or situation to put to the persona",
                          param="question")
    system = describe(persona, method, question, depth, relevance=relevance, embeddings=embeddings)
    if instruction:
        system = f"{system}\n\n{instruction}" if system else instruction
    messages: list[AnyMessage] = [SystemMessage(content=system)] if system else []
    if question is not None:
        messages.append(HumanMessage(content=question))
    return messages


class PersonaQuestion(BaseModel):
    """The tool's input: what to put to the person."""

    question: str = Field(description="A question to ask this person, or a situation to put them in "
                                      "(\"Your landlord raises the rent by 20%. What do you do?\").")


def persona_tool(
    persona: Persona,
    model: BaseChatModel,
    *,
    name: str | None = None,
    description: str | None = None,
    method: str = "deep",
    depth: int | None = TOOL_DEPTH,
    embeddings: Embeddings | None = None,
) -> BaseTool:
    """A LangChain tool that answers "what would this person say or do?" in the person's own words.

    Any LangChain or LangGraph agent can call it (``create_react_agent(model, [tool])``, ``model.bind_tools``).
    Each call sends :meth:`Persona.as_messages` for the question, with an instruction to reply in the
    first person, to ``model`` and returns the reply text.

    Args:
        persona: The person to consult.
        model: Any LangChain chat model (the one answering as the person).
        name: Tool name (default ``ask_<first name>``; letters, digits, ``_`` and ``-`` only).
        description: What the calling agent is told about the tool (default: who the person is).
        method: The respondent description (``deep``, ``shallow``, ``oneliner``, ...; see ``as_system_prompt``).
        depth: Sampled attributes shown per question, the most similar first (None = all).
        embeddings: Ranks attributes against the question (the embedded MiniLM when None).

    Returns:
        A ``StructuredTool`` with one string argument, ``question``; sync and async.
    """
    from deeppersona_agents.simulation.respondents import METHODS, Relevance

    if method not in METHODS:
        raise ConfigError(f"unknown method {method!r}; use one of {', '.join(METHODS)}", param="method")
    if not isinstance(model, BaseChatModel):
        raise ConfigError(f"model must be a LangChain chat model (BaseChatModel), not {type(model).__name__}",
                          param="model")
    tool_name = name or "ask_" + (re.sub(r"[^A-Za-z0-9_-]+", "_", persona.core.name.split()[0]).strip("_")
                                  or "persona")
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", tool_name):
        raise ConfigError(f"tool name {tool_name!r} must be 1-64 letters, digits, '_' or '-'", param="name")
    ranker = Relevance(embeddings) if method == "deep" and depth != 0 else None

    def messages(question: str) -> list[AnyMessage]:
        return persona_messages(persona, question, method=method, depth=depth, instruction=IN_CHARACTER,
                                relevance=ranker)

    def ask(question: str) -> str:
        return model.invoke(messages(question)).text

    async def aask(question: str) -> str:
        return (await model.ainvoke(messages(question))).text

    return StructuredTool.from_function(
        func=ask, coroutine=aask, name=tool_name, args_schema=PersonaQuestion,
        description=description or (
            f"Ask {persona.core.as_text()} what they would say or do. Input: a question or a situation; "
            "output: their answer in the first person."),
    )
