"""Model resolution, and the ChatOpenAI path against a local OpenAI-compatible stub server."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from langchain_openai import ChatOpenAI

from deeppersona_agents import EmbeddedChatModel, GenerationConfig, MiniLMEmbeddings, generate_persona
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.llm import resolve_chat_model, resolve_embeddings, resolve_structured_method
from tests.fakes import realistic_answer


def test_no_configuration_means_the_embedded_models():
    assert isinstance(resolve_chat_model(), EmbeddedChatModel)
    assert isinstance(resolve_embeddings(), MiniLMEmbeddings)
    assert resolve_structured_method() == "json_schema"


def test_environment_selects_chat_openai_on_the_endpoint(monkeypatch):
    monkeypatch.setenv("DEEPPERSONA_MODEL", "qwen2.5-7b-instruct")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8000/v1")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    model = resolve_chat_model()
    assert isinstance(model, ChatOpenAI)
    assert model.model_name == "qwen2.5-7b-instruct" and model.openai_api_base == "http://127.0.0.1:8000/v1"


def test_model_name_without_endpoint_or_key_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(ConfigError, match="needs an endpoint"):
        resolve_chat_model("gpt-4.1-mini")


def test_unknown_structured_method_is_rejected(monkeypatch):
    monkeypatch.setenv("DEEPPERSONA_STRUCTURED_METHOD", "telepathy")
    with pytest.raises(ConfigError, match="telepathy"):
        resolve_structured_method()


class _StubOpenAI(BaseHTTPRequestHandler):
    """Answers /chat/completions like an OpenAI-compatible server, filling the requested schema."""

    requests: list[dict] = []

    def log_message(self, *args):  # keep test output clean
        pass

    def do_POST(self):  # noqa: N802 - http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(body)
        prompt = "\n".join(str(m.get("content")) for m in body["messages"])
        fmt = body.get("response_format") or {}
        message: dict = {"role": "assistant", "content": None}
        if body.get("tools"):
            fn = body["tools"][0]["function"]
            args = json.dumps(realistic_answer(fn["parameters"], prompt))
            message["tool_calls"] = [{"id": "call_1", "type": "function",
                                      "function": {"name": fn["name"], "arguments": args}}]
        elif fmt.get("type") == "json_schema":
            message["content"] = json.dumps(realistic_answer(fmt["json_schema"]["schema"], prompt))
        else:  # json_mode: the only promise is JSON; the schema is in the prompt
            schema = json.loads(prompt.rsplit("JSON schema:\n", 1)[1]) if "JSON schema:\n" in prompt else {}
            message["content"] = json.dumps(realistic_answer(schema, prompt))
        reply = {"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                 "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                 "usage": {"prompt_tokens": len(prompt) // 4, "completion_tokens": 50, "total_tokens": 0}}
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def stub_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StubOpenAI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _StubOpenAI.requests = []
    yield f"http://127.0.0.1:{server.server_port}/v1"
    server.shutdown()


@pytest.mark.parametrize("method", ["json_schema", "function_calling", "json_mode"])
def test_chat_openai_endpoint_generates_a_persona(stub_server, embeddings, method):
    model = resolve_chat_model("stub-model", base_url=stub_server)
    persona = generate_persona({"age": "45"}, country="MEX", seed=2, model=model, embeddings=embeddings,
                               config=GenerationConfig(attributes=30, structured_method=method))
    assert len(persona.sampled_attributes()) == 30 and persona.core.age == 45
    assert persona.manifest.model == "stub-model" and persona.manifest.llm_calls == 6  # 4 core stages, 1 fill, summary
    assert persona.manifest.prompt_tokens > 0
    sent = _StubOpenAI.requests
    assert len(sent) == 6 and all(r["model"] == "stub-model" for r in sent)
    if method == "json_schema":
        assert all(r["response_format"]["type"] == "json_schema" for r in sent)
    elif method == "json_mode":
        assert all(r["response_format"]["type"] == "json_object" for r in sent)
    else:
        assert all(r["tools"] for r in sent)
