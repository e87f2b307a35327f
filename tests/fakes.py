"""Hand-written fakes for unit tests: a chat model that answers any JSON schema realistically.

The fake goes through the same structured-output path as the embedded model (it receives the
schema as ``response_format`` and returns JSON text), so parsing, validation and retries are
exercised for real. Answers are a deterministic function of the prompt.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from deeppersona_agents.embedded import SchemaConstrainedChatModel

PHRASES = [
    "prefers to handle it alone, then talks it over with an older sister",
    "keeps a small notebook and revisits it most Sunday evenings",
    "inconsistent; strong intentions that fade after a few weeks",
    "learned it from a grandmother and still does it her way",
    "avoids it when money is tight, which is most months",
    "quietly proud of it, though rarely mentions it to colleagues",
    "became important after moving to the city for work",
    "mostly on the phone during the evening commute",
    "sceptical at first, now a reluctant convert",
    "depends heavily on the season and on shift patterns",
]
STORY = (
    "At nineteen she left her parents' farm to train in the city, sharing a single room with two cousins. "
    "The first year she failed an anatomy exam and hid it from her family for months, working nights at a "
    "pharmacy to pay the resit fee. When her father found out he did not speak to her until harvest. She "
    "passed the second time, but the months of lying stayed with her and she still double-checks every "
    "form she signs."
)
SUMMARY = (
    "A pragmatic, slightly guarded woman in her thirties who works long shifts as a nurse and sends part "
    "of her pay home every month. She is proud of having paid her own way, distrusts easy promises, and "
    "copes with stress through long walks and loud church music. Warm with patients, blunt with managers, "
    "she spends her rare free evenings cooking for friends and arguing about football."
)
TEXT_BY_KEY = {
    "values": "Hard work is owed to family first, and nobody should be trusted until they have proven it.",
    "attitude": "Expects little from life and is pleasantly surprised sometimes.",
    "details": "She plans every shilling, keeps promises small, and rarely volunteers opinions at work.",
    "coping": "Walks for an hour and calls her sister.",
    "summary": SUMMARY,
}


_CHAOS_LOCK = threading.Lock()


@lru_cache(maxsize=8)
def _chaos(seed: int) -> random.Random:
    return random.Random(seed)


def _pick(seed: str, options: list[Any]) -> Any:
    return options[int(hashlib.sha256(seed.encode()).hexdigest(), 16) % len(options)]


def _resolve(schema: dict, root: dict) -> dict:
    if "$ref" in schema:
        name = schema["$ref"].split("/")[-1]
        return _resolve(root["$defs"][name], root)
    if isinstance(schema.get("type"), list):  # nullable: answer with the non-null kind
        kinds = [k for k in schema["type"] if k != "null"]
        enum = [v for v in schema.get("enum", []) if v is not None]
        return {**schema, "type": kinds[0] if kinds else "null", **({"enum": enum} if enum else {})}
    if "anyOf" in schema:
        non_null = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return _resolve(non_null[0], root) if non_null else {"type": "null"}
    return schema


def realistic_value(key: str, schema: dict, root: dict, seed: str) -> Any:
    """A plausible value for one property of a schema."""
    schema = _resolve(schema, root)
    if key in TEXT_BY_KEY and schema.get("type") == "string":
        return TEXT_BY_KEY[key]
    if key.startswith("story_"):
        return STORY
    if key == "hobbies":
        return ["five-a-side football", "cooking for friends", "gospel choir"]
    if "enum" in schema:
        return _pick(seed + key, schema["enum"])
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "integer":  # a small count, or a recent year when the bounds are calendar years
        low, high = schema.get("minimum", 3), schema.get("maximum", 3)
        return high - 5 if low >= 1000 else min(max(3, low), high)
    if kind == "number":
        number = float(_pick(seed + key, [2, 3.5, 7, 12, 40]))
        return min(max(number, schema.get("minimum", number)), schema.get("maximum", number))
    if kind == "boolean":
        return _pick(seed + key, [True, False])
    if kind == "array":
        item = schema.get("items", {"type": "string"})
        return [realistic_value(key, item, root, seed + str(i)) for i in range(2)]
    if kind == "null":
        return None
    if kind == "object":
        return {k: realistic_value(k, v, root, seed) for k, v in schema.get("properties", {}).items()}
    text = _pick(seed + key, PHRASES)
    limit = schema.get("maxLength")
    return text[:limit] if limit else text


def realistic_answer(schema: dict, prompt: str) -> dict:
    """Fill every property of ``schema`` (required and optional) deterministically from ``prompt``."""
    seed = hashlib.sha256(prompt.encode()).hexdigest()[:12]
    return {k: realistic_value(k, v, schema, seed) for k, v in schema.get("properties", {}).items()}


class FakeChatModel(SchemaConstrainedChatModel):
    """Answers any schema with realistic JSON; ``tamper`` can corrupt answers for failure tests."""

    tamper: Callable[[int, dict], str | None] | None = None
    responder: Callable[[dict, str], dict | None] | None = None
    #: Scripted answers by schema title (e.g. ``{"BioFacts": {"age": 34, ...}}``): the listed fields are
    #: answered as given and every other field is null, as a careful model answers what a text does not say.
    scripts: dict[str, dict[str, Any]] = {}
    calls: int = 0
    #: Seconds each call takes (an endpoint's latency).
    latency: float = 0.0
    #: Share of calls that raise an error, and share that return malformed JSON (seeded).
    failure_rate: float = 0.0
    malformed_rate: float = 0.0
    chaos_seed: int = 0

    @property
    def _llm_type(self) -> str:
        return "fake-structured"

    @property
    def model_name(self) -> str:
        return "fake-structured"

    def _scripted(self, schema: dict) -> dict | None:
        script = self.scripts.get(str(schema.get("title", "")))
        if script is None:
            return None
        return {**{k: None for k in schema.get("properties", {})}, **script}

    def _generate(self, messages: list, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> ChatResult:
        prompt = "\n".join(str(m.content) for m in messages)
        if self.latency:
            time.sleep(self.latency)
        if self.failure_rate or self.malformed_rate:
            with _CHAOS_LOCK:
                roll = _chaos(self.chaos_seed).random()
            if roll < self.failure_rate:
                raise ConnectionError("the fake endpoint dropped this call")
            if roll < self.failure_rate + self.malformed_rate:
                return ChatResult(generations=[ChatGeneration(message=AIMessage(content='{"values": "trunc'))])
        fmt = kwargs.get("response_format") or {}
        schema = fmt.get("schema", {})
        answer = (self.responder(schema, prompt) if self.responder else None) or self._scripted(schema) \
            or realistic_answer(schema, prompt)
        self.calls += 1
        text = json.dumps(answer)
        if self.tamper is not None:
            replaced = self.tamper(self.calls, answer)
            text = text if replaced is None else replaced
        usage = {"input_tokens": len(prompt) // 4, "output_tokens": len(text) // 4,
                 "total_tokens": (len(prompt) + len(text)) // 4}
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text, usage_metadata=usage))])
