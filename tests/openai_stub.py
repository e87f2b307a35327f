"""An OpenAI-compatible ``/v1/chat/completions`` endpoint on localhost, for tests and benchmarks.

It answers like a local vLLM / llama.cpp server: the requested schema (``response_format``
``json_schema``, a tool's parameters for ``function_calling``, or the schema the prompt carries in
``json_mode``) is filled with :func:`tests.fakes.realistic_answer`. A ``script`` callback can
replace any reply with an HTTP error, a mangled body or a cut-off one, so the real ``ChatOpenAI``
client, its retries and LangChain's parsers are exercised end to end.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakes import realistic_answer


@dataclass
class Reply:
    """What the endpoint sends back for one request.

    Attributes:
        status: HTTP status; anything but 200 sends an OpenAI-style error body.
        text: The JSON text of the answer (``None``: a realistic answer to the request's schema).
        finish_reason: ``stop``, or ``length`` for a reply cut at the token limit.
    """

    status: int = 200
    text: str | None = None
    finish_reason: str = "stop"


Script = Callable[[int, dict[str, Any], str], Reply | None]


def requested_schema(body: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema a chat-completions request asks for (empty when it asks for none)."""
    fmt = body.get("response_format") or {}
    if body.get("tools"):
        return body["tools"][0]["function"]["parameters"]
    if fmt.get("type") == "json_schema":
        return fmt["json_schema"]["schema"]
    prompt = _prompt(body)
    if "JSON schema:\n" not in prompt:
        return {}
    return json.JSONDecoder().raw_decode(prompt.rsplit("JSON schema:\n", 1)[1])[0]


def _prompt(body: dict[str, Any]) -> str:
    return "\n".join(str(m.get("content")) for m in body.get("messages", []))


class StubEndpoint:
    """A threaded HTTP server; use as a context manager, point ``ChatOpenAI(base_url=url)`` at it.

    Args:
        script: Called with (request number from 1, request body, the realistic answer's JSON
            text); returns a :class:`Reply` to send instead, or ``None`` for the realistic answer.
    """

    def __init__(self, script: Script | None = None) -> None:
        self.script = script
        self.requests: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        self._lock = threading.Lock()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep output clean
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                status, data = endpoint._answer(body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Base URL for ``ChatOpenAI(base_url=...)``."""
        return f"http://127.0.0.1:{self._server.server_port}/v1"

    def __enter__(self) -> StubEndpoint:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, body: dict[str, Any]) -> tuple[int, bytes]:
        with self._lock:
            self.requests.append(body)
            number = len(self.requests)
        text = json.dumps(realistic_answer(requested_schema(body), _prompt(body)))
        reply = (self.script(number, body, text) if self.script else None) or Reply()
        with self._lock:
            self.statuses.append(reply.status)
        if reply.status != 200:
            error = {"error": {"message": f"stub error {reply.status}", "type": "stub", "code": reply.status}}
            return reply.status, json.dumps(error).encode()
        text = text if reply.text is None else reply.text
        message: dict[str, Any] = {"role": "assistant", "content": text}
        if body.get("tools"):
            name = body["tools"][0]["function"]["name"]
            message = {"role": "assistant", "content": None, "tool_calls": [
                {"id": f"call_{number}", "type": "function", "function": {"name": name, "arguments": text}}]}
        completion = {"id": f"stub-{number}", "object": "chat.completion", "created": 0, "model": body.get("model"),
                      "choices": [{"index": 0, "message": message, "finish_reason": reply.finish_reason}],
                      "usage": {"prompt_tokens": len(_prompt(body)) // 4, "completion_tokens": len(text) // 4,
                                "total_tokens": (len(_prompt(body)) + len(text)) // 4}}
        return 200, json.dumps(completion).encode()
