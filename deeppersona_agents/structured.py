"""Structured LLM calls shared by every stage: schema in, validated pydantic object out.

Parsing is strict: a reply cut at the token limit (``finish_reason`` ``length``) or whose JSON is
not one complete, valid object is invalid, whatever a lenient parser made of it (LangChain's JSON
parser repairs half objects). Invalid or incomplete answers are retried with the problem fed back
to the model, then fail loudly with :class:`StructuredOutputError`; every attempt is counted
(:mod:`deeppersona_agents.usage`) for the persona manifest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any, overload

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage

from deeppersona_agents.errors import EndpointRateLimitError, ModelError, StructuredOutputError
from deeppersona_agents.llm import redact
from deeppersona_agents.usage import Usage, invoke_counted

__all__ = ["Usage", "ask_structured", "endpoint_error", "reply_problem"]


#: Stop reasons that mean "cut at the token limit" (OpenAI-compatible, Anthropic, Ollama wording).
CUT_OFF = frozenset({"length", "max_tokens"})
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.S)


def _complete_object(text: Any) -> bool:
    """True when ``text`` is exactly one complete JSON object (a Markdown fence around it is allowed)."""
    if not isinstance(text, str):
        return False
    body = text.strip()
    fenced = _FENCE.match(body)
    try:
        return isinstance(json.loads(fenced.group(1) if fenced else body), dict)
    except ValueError:
        return False


def reply_problem(raw: Any) -> str | None:
    """Why a raw structured reply cannot be trusted as a whole answer, or ``None`` when it can.

    Checks the message itself, not what a parser made of it: the stop reason, the tool-call
    arguments (``function_calling``) or the content (``json_schema``, ``json_mode``).
    """
    if raw is None:
        return "no reply"
    meta = getattr(raw, "response_metadata", None) or {}
    reason = meta.get("finish_reason") or meta.get("stop_reason") or meta.get("done_reason")
    if reason in CUT_OFF:
        return f"the reply was cut off at the token limit (finish_reason={reason}); answer more briefly"
    if getattr(raw, "invalid_tool_calls", None):
        return "the tool call's arguments are not valid JSON"
    calls = (getattr(raw, "additional_kwargs", None) or {}).get("tool_calls") or []
    if calls:
        if all(_complete_object((c.get("function") or {}).get("arguments")) for c in calls):
            return None
        return "the tool call's arguments are not one complete JSON object"
    if getattr(raw, "tool_calls", None):  # parsed by the provider's own client (already objects)
        return None
    content = raw.content
    if isinstance(content, list):  # content blocks
        content = "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)
    if not _complete_object(content):
        return "the reply is not one complete JSON object"
    return None


def _json_schema(schema: Any) -> dict[str, Any]:
    return schema if isinstance(schema, dict) else schema.model_json_schema()


def _schema_name(schema: Any) -> str:
    if isinstance(schema, dict):
        return str(schema.get("title", "answer"))
    return str(getattr(schema, "__name__", "answer"))


def endpoint_error(exc: Exception) -> ModelError | None:
    """Map an endpoint error no retry can fix to a :class:`ModelError` with the remedy, else ``None``.

    Called once our transient retries are spent, so a rate limit (429) that persists is permanent
    here; a population run stops after several personas in a row fail this way.
    """
    try:
        import openai
    except ImportError:  # pragma: no cover
        return None
    cause = redact(str(exc))
    if isinstance(exc, openai.APIConnectionError) and not isinstance(exc, openai.APITimeoutError):
        return ModelError(
            f"cannot reach the chat model endpoint ({cause}). Start the server, or fix base_url / "
            "OPENAI_BASE_URL; unset DEEPPERSONA_MODEL to use the embedded model.", param="base_url"
        )
    if isinstance(exc, openai.AuthenticationError):
        return ModelError("the endpoint rejected the API key (401); set OPENAI_API_KEY (local servers accept any "
                          "string)")
    if isinstance(exc, openai.PermissionDeniedError):
        return ModelError(f"the endpoint refused access (403: {cause}); check the key's permissions for this model")
    if isinstance(exc, openai.NotFoundError):
        return ModelError(f"the endpoint does not serve this model ({cause}); check model / DEEPPERSONA_MODEL",
                          param="model")
    if isinstance(exc, openai.RateLimitError):
        return EndpointRateLimitError(f"the endpoint kept refusing with 429 after retries ({cause}); lower "
                                      "concurrency or requests_per_second, or check the account's quota",
                                      param=("concurrency", "requests_per_second"))
    if isinstance(exc, openai.BadRequestError):
        return ModelError(f"the endpoint rejected the request (400: {cause}); check model and "
                          "structured_method (some servers support only function_calling or json_mode)",
                          param=("model", "structured_method"))
    return None


@overload
def ask_structured[T](
    model: BaseChatModel, schema: type[T], messages: Sequence[BaseMessage], *, stage: str,
    structured_method: str = ...,
    attempts: int = ..., check: Callable[[T], list[str]] | None = ..., usage: Usage | None = ...,
) -> T: ...


@overload
def ask_structured(
    model: BaseChatModel, schema: dict[str, Any], messages: Sequence[BaseMessage], *, stage: str,
    structured_method: str = ...,
    attempts: int = ..., check: Callable[[dict[str, Any]], list[str]] | None = ..., usage: Usage | None = ...,
) -> dict[str, Any]: ...


def ask_structured(
    model: BaseChatModel,
    schema: Any,
    messages: Sequence[BaseMessage],
    *,
    stage: str,
    structured_method: str = "json_schema",
    attempts: int = 3,
    check: Callable[[Any], list[str]] | None = None,
    usage: Usage | None = None,
) -> Any:
    """Ask ``model`` for an instance of ``schema``; retry invalid answers, then raise.

    Args:
        model: Any LangChain chat model supporting ``with_structured_output``.
        schema: Pydantic model class the answer must validate against, or a JSON-schema dict
            (the answer is then a dict, validated by the caller).
        messages: The prompt.
        stage: Stage name used in errors.
        structured_method: ``json_schema``, ``function_calling`` or ``json_mode`` (LangChain's ``method``).
        attempts: Total tries before failing.
        check: Extra semantic checks; returns a list of problems (empty when fine).
        usage: Accumulator for calls (every attempt, counted by a callback) and tokens.

    Raises:
        StructuredOutputError: every attempt was invalid.
        ModelError: the endpoint is unreachable or rejects the request.
    """
    runnable = model.with_structured_output(schema, method=structured_method, include_raw=True)
    if structured_method == "json_mode":  # the endpoint only promises JSON; the prompt must carry the shape
        messages = [*messages, HumanMessage(f"Reply with one JSON object following this JSON schema:\n"
                                            f"{json.dumps(_json_schema(schema))}")]
    history = list(messages)
    problem = "no answer"
    for _ in range(attempts):
        try:
            out: dict[str, Any] = invoke_counted(runnable, history, usage=usage)
        except Exception as exc:
            mapped = endpoint_error(exc)
            if mapped is not None:
                raise mapped from exc
            problem = redact(f"{type(exc).__name__}: {exc}")
            continue
        parsed, error = out.get("parsed"), out.get("parsing_error")
        strict = reply_problem(out.get("raw"))
        if strict is not None:
            problem = strict
        elif parsed is None or error is not None:
            problem = f"unparseable answer ({error or 'empty'})"
        else:
            problems = check(parsed) if check else []
            if not problems:
                return parsed
            problem = "; ".join(problems)
        history = [
            *messages,
            HumanMessage(f"Your previous answer was not usable: {problem[:500]}. Answer again, as valid JSON "
                         "with every field filled."),
        ]
    raise StructuredOutputError(
        stage,
        f"the model gave no valid {_schema_name(schema)} after {attempts} attempts "
        f"(last problem: {problem[:300]}). Try a stronger model, or another structured_method.",
        param="structured_method",
    )
