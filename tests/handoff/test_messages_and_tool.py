"""Persona.as_messages and persona_tool: what a LangChain chat model receives, and what an agent gets back."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.tools import BaseTool

from deeppersona_agents import GenerationConfig, generate_persona
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.handoff import IN_CHARACTER, persona_tool
from deeppersona_agents.persona import Attribute
from tests.fakes import FakeChatModel

RENT = Attribute(path="Economic Situation > Housing > Rent Burden",
                 value="pays nearly half her wage in rent for a bedsitter", provenance="llm")
QUESTION = "Your landlord raises the rent by 20 percent next month. What do you do?"


class RecordingChatModel(BaseChatModel):
    """Answers with a fixed reply and keeps every message list it was sent."""

    reply: str = "I would go to the landlord first and ask for time."
    seen: list[list[Any]] = []

    @property
    def _llm_type(self) -> str:
        return "recording-fake"

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        self.seen.append(list(messages))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=self.reply))])


@pytest.fixture(scope="module")
def persona(embeddings):
    p = generate_persona(country="KEN", seed=5, model=FakeChatModel(), embeddings=embeddings,
                         config=GenerationConfig(attributes=20))
    return p.model_copy(update={"attributes": [*p.attributes, RENT]})


def test_messages_are_the_respondent_description_then_the_question(persona, embeddings):
    messages = persona.as_messages(QUESTION, depth=3, embeddings=embeddings)
    assert [type(m) for m in messages] == [SystemMessage, HumanMessage]
    assert messages[0].content == persona.as_system_prompt("deep", QUESTION, 3, embeddings=embeddings)
    assert messages[1].content == QUESTION
    assert "rent for a bedsitter" in messages[0].content  # the attribute closest to the question is shown


def test_messages_without_a_question_are_the_system_prompt_alone(persona):
    [system] = persona.as_messages(method="shallow")
    assert isinstance(system, SystemMessage) and system.content == persona.as_system_prompt("shallow")
    assert persona.as_messages(method="bare") == []  # nothing to say about nobody
    [only] = persona.as_messages(method="bare", instruction="Be brief.")
    assert only.content == "Be brief."


def test_instruction_is_appended_to_the_system_message(persona):
    [system, human] = persona.as_messages("Hello?", method="oneliner", instruction="Answer in one word.")
    assert system.content == persona.as_system_prompt("oneliner") + "\n\nAnswer in one word."
    assert human.content == "Hello?"


def test_any_chat_model_takes_the_messages(persona):
    model = RecordingChatModel(seen=[])
    reply = model.invoke(persona.as_messages("Where do you live?", method="shallow"))
    assert reply.content == model.reply
    assert model.seen[0][0].content.startswith("You are the following person:")


def test_tool_sends_the_persona_and_question_and_returns_the_reply(persona, embeddings):
    model = RecordingChatModel(seen=[])
    tool = persona_tool(persona, model, embeddings=embeddings, depth=3)
    assert isinstance(tool, BaseTool)
    assert tool.name == "ask_" + persona.core.name.split()[0]
    assert persona.core.name in tool.description
    assert set(tool.args) == {"question"}
    answer = tool.invoke({"question": QUESTION})
    assert answer == model.reply
    [sent] = model.seen
    system, human = sent
    assert isinstance(system, SystemMessage) and isinstance(human, HumanMessage)
    assert human.content == QUESTION
    assert system.content.startswith(persona.as_system_prompt("deep", QUESTION, 3, embeddings=embeddings))
    assert system.content.endswith(IN_CHARACTER)
    assert "first person" in system.content and "rent for a bedsitter" in system.content


def test_tool_is_callable_by_an_agent_as_a_tool_call(persona, embeddings):
    """The path an agent takes: a ToolCall dict in, a ToolMessage out (sync and async)."""
    model = RecordingChatModel(seen=[], reply="Honestly, I would start looking for a cheaper room.")
    tool = persona_tool(persona, model, name="ask_tenant", embeddings=embeddings, depth=2)
    call = {"name": "ask_tenant", "args": {"question": QUESTION}, "id": "call-1", "type": "tool_call"}
    message = tool.invoke(call)
    assert message.tool_call_id == "call-1" and message.content == model.reply
    assert asyncio.run(tool.ainvoke({"question": "And if you lost your job?"})) == model.reply
    assert model.seen[-1][-1].content == "And if you lost your job?"
    schema = tool.tool_call_schema.model_json_schema()
    assert schema["required"] == ["question"]


@pytest.mark.parametrize(("kwargs", "needle"), [
    ({"name": "ask me"}, "letters, digits"),
    ({"method": "telepathy"}, "unknown method"),
])
def test_tool_refuses_bad_options(persona, embeddings, kwargs, needle):
    model = RecordingChatModel(seen=[])
    with pytest.raises(ConfigError, match=needle):
        tool = persona_tool(persona, model, embeddings=embeddings, **kwargs)
        tool.invoke({"question": QUESTION})
    assert model.seen == []


def test_tool_refuses_what_is_not_a_chat_model_and_an_empty_question(persona, embeddings):
    with pytest.raises(ConfigError, match="chat model"):
        persona_tool(persona, "gpt-4o", embeddings=embeddings)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="question is empty"):
        persona.as_messages("   ", embeddings=embeddings)


def test_a_langgraph_tool_node_runs_the_tool(persona, embeddings):
    """LangGraph agents execute tool calls with ToolNode: the persona's reply comes back as the ToolMessage."""
    from langgraph.graph import END, START, MessagesState, StateGraph
    from langgraph.prebuilt import ToolNode

    model = RecordingChatModel(seen=[], reply="I would ask my sister to share the room with me.")
    tool = persona_tool(persona, model, name="ask_tenant", embeddings=embeddings, depth=2)
    request = AIMessage(content="", tool_calls=[{"name": "ask_tenant", "args": {"question": QUESTION}, "id": "c7"}])
    graph = StateGraph(MessagesState)
    graph.add_node("tools", ToolNode([tool]))
    graph.add_edge(START, "tools")
    graph.add_edge("tools", END)
    _, reply = graph.compile().invoke({"messages": [request]})["messages"]
    assert reply.tool_call_id == "c7" and reply.content == model.reply
    assert model.seen[0][-1].content == QUESTION
