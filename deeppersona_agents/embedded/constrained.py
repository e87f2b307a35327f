"""Structured output by schema-constrained decoding, for chat models whose backend enforces a JSON schema.

The embedded chat model (``smollm.py``) and test fakes build on :class:`SchemaConstrainedChatModel`;
``grammar_schema`` adapts a pydantic schema to llama.cpp's grammar compiler.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from langchain_core.exceptions import OutputParserException
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import BaseMessage
from langchain_core.runnables import Runnable, RunnableConfig
from pydantic import BaseModel

from deeppersona_agents.errors import ModelError
from deeppersona_agents.structured import reply_problem

MAX_GRAMMAR_LENGTH = 120


@lru_cache(maxsize=256)  # bounded: stages may build schema classes per persona
def _json_schema_of(schema: type[BaseModel]) -> dict[str, Any]:
    return schema.model_json_schema()


class SchemaConstrainedChatModel(BaseChatModel):
    """Base for chat models whose backend enforces a JSON schema while decoding.

    ``with_structured_output`` binds ``response_format={"type": "json_object", "schema": ...}``
    and parses the reply into the pydantic schema, for every ``method``.
    """

    def with_structured_output(  # type: ignore[override]
        self,
        schema: Any,
        *,
        method: str | None = None,
        include_raw: bool = False,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """Structured output by constrained decoding (``method`` is accepted and ignored).

        ``schema`` is a pydantic model class (answers parse into it) or a JSON-schema dict
        (answers parse into a dict).
        """
        parse: Callable[[str], Any]
        if isinstance(schema, dict):
            json_schema, parse = schema, _parse_json_object
        elif isinstance(schema, type) and issubclass(schema, BaseModel):
            json_schema, parse = _json_schema_of(schema), schema.model_validate_json
        else:
            raise ModelError("structured output needs a pydantic model class or a JSON-schema dict")
        bound = self.bind(response_format={"type": "json_object", "schema": self._decoding_schema(json_schema)})
        return ParsedReply(bound, parse, include_raw)

    def _decoding_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        """The schema handed to the backend's decoder (subclasses adapt it to their backend)."""
        return schema


class ParsedReply(Runnable[LanguageModelInput, Any]):
    """A bound chat model whose reply is parsed into the schema.

    A plain ``Runnable`` rather than a ``RunnableLambda``: the chat model call already opens the
    callback run, and a lambda layer costs more per call than the survey's whole answer check.
    """

    name = "constrained_structured_output"

    def __init__(self, bound: Runnable[LanguageModelInput, BaseMessage], parse: Callable[[str], Any],
                 include_raw: bool) -> None:
        self.bound, self.parse, self.include_raw = bound, parse, include_raw

    def invoke(self, input: LanguageModelInput, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        """Call the model, then parse; with ``include_raw`` a parse failure is reported, not raised."""
        raw = self.bound.invoke(input, config, **kwargs)
        try:
            problem = reply_problem(raw)  # a reply cut at max_tokens is invalid even when it happens to parse
            if problem is not None:
                raise ValueError(problem)
            parsed, error = self.parse(str(raw.content)), None
        except ValueError as exc:  # pydantic ValidationError and JSONDecodeError are ValueErrors
            if not self.include_raw:
                raise OutputParserException(f"invalid structured answer: {exc}") from exc
            parsed, error = None, exc
        return {"raw": raw, "parsed": parsed, "parsing_error": error} if self.include_raw else parsed


def grammar_schema(schema: Any) -> Any:
    """A copy of a JSON schema that llama.cpp's grammar compiler accepts.

    Plain strings become a prose pattern (starts with a word, no brackets or braces). Long
    ``maxLength`` bounds explode into huge grammars there, so only bounds up to
    ``MAX_GRAMMAR_LENGTH`` are kept; ``max_tokens`` bounds the rest. ``minLength`` is always kept
    (a cheap bound that stops tiny models answering a story with a name), and the parsed answer is
    still validated against the full pydantic schema. Small integer ranges (scores on a 1-5 scale)
    become an enum, since the grammar compiler ignores ``minimum``/``maximum``.
    """
    if isinstance(schema, list):
        return [grammar_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    kinds = schema.get("type")
    if isinstance(kinds, list) and "null" in kinds and len(kinds) == 2:
        # nullable ("type": [T, "null"]): llama.cpp turns type lists into bare types and drops every
        # other keyword (enum, items, bounds), so decode it as anyOf [the T schema, null]
        (kind,) = [k for k in kinds if k != "null"]
        inner = {**schema, "type": kind}
        if "enum" in inner:
            inner["enum"] = [v for v in inner["enum"] if v is not None]
        return {"anyOf": [grammar_schema(inner), {"type": "null"}]}
    out = {k: grammar_schema(v) for k, v in schema.items()}
    if schema.get("type") == "string" and not ({"enum", "const", "pattern", "format"} & set(schema)):
        # prose only: starts with a word, no brackets/braces (small models otherwise leak JSON syntax)
        longest = schema.get("maxLength", 0)
        shortest = max(int(schema.get("minLength", 1)) - 1, 0)  # the first character is matched separately
        if 0 < longest <= MAX_GRAMMAR_LENGTH:
            tail = f"{{{min(shortest, longest - 1)},{longest - 1}}}"
        else:
            tail = f"{{{shortest},}}" if shortest else "*"
        out = {k: v for k, v in out.items() if k not in ("minLength", "maxLength")}
        out["pattern"] = rf'^[^\[\]{{}}<>"\\\n\r\t ,.;:!?-][^\[\]{{}}<>"\\\n\r\t]{tail}$'
    low, high = schema.get("minimum"), schema.get("maximum")
    if schema.get("type") == "integer" and "enum" not in schema and isinstance(low, int) and isinstance(high, int) \
            and 0 <= high - low <= 100:  # the grammar compiler ignores integer bounds; an enum it enforces
        out = {k: v for k, v in out.items() if k not in ("minimum", "maximum")}
        out["enum"] = list(range(low, high + 1))
    return out


def _parse_json_object(text: str) -> dict[str, Any]:
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError(f"expected a JSON object, got {type(value).__name__}")
    return value


