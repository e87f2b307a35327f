"""Resolve the chat model and embeddings every stage uses (the only reader of the environment).

Order of precedence: an object passed in explicitly; else ``DEEPPERSONA_MODEL`` (with
``OPENAI_BASE_URL`` / ``OPENAI_API_KEY``) selects ``ChatOpenAI`` on that endpoint (OpenAI,
vLLM, Ollama, llama.cpp server); else the embedded SmolLM2 model. Embeddings: passed in, else
``DEEPPERSONA_EMBEDDINGS_MODEL`` on the same endpoint, else the embedded MiniLM.

``ChatOpenAI`` is built with ``max_retries=0``: every HTTP attempt is then one LangChain run,
which the usage callback of :mod:`deeppersona_agents.structured` counts, and the retries are
ours (visible, with backoff). :func:`redact` removes credentials from URLs before anything is
written to a manifest, a log or an error message.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel

from deeppersona_agents.errors import ConfigError

StructuredMethod = Literal["json_schema", "function_calling", "json_mode"]
STRUCTURED_METHODS: tuple[str, ...] = ("json_schema", "function_calling", "json_mode")


def tables_dir_setting() -> str | None:
    """``DEEPPERSONA_DEMOGRAPHICS_DIR`` (a folder of rebuilt country tables) as an absolute path, if set."""
    raw = os.environ.get("DEEPPERSONA_DEMOGRAPHICS_DIR", "").strip()
    return str(Path(raw).resolve()) if raw else None


def cache_dir_setting() -> Path:
    """``DEEPPERSONA_CACHE`` or ``~/.cache/deeppersona-agents``: where recomputable files (leaf vectors) go."""
    return Path(os.environ.get("DEEPPERSONA_CACHE") or Path.home() / ".cache" / "deeppersona-agents")


def model_setting() -> str | None:
    """``DEEPPERSONA_MODEL``: the chat model name used when none is given."""
    return os.environ.get("DEEPPERSONA_MODEL") or None


def embeddings_setting() -> str | None:
    """``DEEPPERSONA_EMBEDDINGS_MODEL``: the embeddings model name used when none is given."""
    return os.environ.get("DEEPPERSONA_EMBEDDINGS_MODEL") or None


def resolve_chat_model(
    model: BaseChatModel | str | None = None,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    temperature: float = 0.7,
) -> BaseChatModel:
    """Return a LangChain chat model.

    Args:
        model: A chat model (used as is), a model name served at ``base_url`` (``ChatOpenAI``),
            or ``None`` to read ``DEEPPERSONA_MODEL`` and fall back to the embedded model.
        base_url: OpenAI-compatible endpoint; defaults to ``OPENAI_BASE_URL``.
        api_key: API key; defaults to ``OPENAI_API_KEY`` (local servers accept any string).
        temperature: Sampling temperature for models built here.
    """
    if isinstance(model, BaseChatModel):
        return model
    name = model or model_setting()
    if not name:
        from deeppersona_agents.embedded import EmbeddedChatModel

        return EmbeddedChatModel(temperature=temperature)
    from langchain_openai import ChatOpenAI

    url = base_url or os.environ.get("OPENAI_BASE_URL")
    key = api_key or os.environ.get("OPENAI_API_KEY")
    if not key:
        if not url:
            raise ConfigError(
                f"model {name!r} needs an endpoint: set OPENAI_API_KEY for OpenAI, or base_url / "
                "OPENAI_BASE_URL for a local OpenAI-compatible server (vLLM, Ollama, llama.cpp)", param="base_url"
            )
        key = "not-needed"
    return ChatOpenAI(
        model=name, base_url=url, api_key=key, temperature=temperature,
        use_responses_api=False, max_retries=0, timeout=300,  # retries are ours, so every attempt is counted
    )


def resolve_embeddings(
    embeddings: Embeddings | str | None = None,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
) -> Embeddings:
    """Return LangChain embeddings: given, ``DEEPPERSONA_EMBEDDINGS_MODEL``, or the embedded MiniLM."""
    if isinstance(embeddings, Embeddings):
        return embeddings
    name = embeddings or embeddings_setting()
    if not name:
        from deeppersona_agents.embedded import MiniLMEmbeddings

        return MiniLMEmbeddings()
    from langchain_openai import OpenAIEmbeddings

    return OpenAIEmbeddings(  # type: ignore[call-arg]
        model=name,
        base_url=base_url or os.environ.get("OPENAI_BASE_URL"),
        api_key=api_key or os.environ.get("OPENAI_API_KEY") or "not-needed",
        check_embedding_ctx_length=False,
    )


def resolve_structured_method(method: str | None = None) -> StructuredMethod:
    """The structured-output method: given, ``DEEPPERSONA_STRUCTURED_METHOD``, or ``json_schema``."""
    value = method or os.environ.get("DEEPPERSONA_STRUCTURED_METHOD") or "json_schema"
    if value not in STRUCTURED_METHODS:
        raise ConfigError(f"structured method {value!r} is unknown; use one of {', '.join(STRUCTURED_METHODS)}")
    return value  # type: ignore[return-value]


def model_with(model: BaseChatModel, **update: Any) -> BaseChatModel:
    """A copy of ``model`` with settings changed (``seed=``, ``cache=``).

    ``model_copy`` alone keeps LangChain's memoised description of the original (``_serialized``),
    which is part of the response-cache key: a reseeded copy would then reuse the original's replies.
    """
    copy = model.model_copy(update=update)
    vars(copy).pop("_serialized", None)
    return copy


def chat_model_name(model: BaseChatModel) -> str:
    """A readable name for manifests."""
    for attr in ("model_name", "model"):
        value = getattr(model, attr, None)
        if isinstance(value, str) and value:
            return value
    return type(model).__name__


def embeddings_name(embeddings: Embeddings) -> str:
    """A readable name for manifests and cache keys."""
    for attr in ("name", "model", "model_name"):
        value = getattr(embeddings, attr, None)
        if isinstance(value, str) and value:
            return value
    return type(embeddings).__name__


_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@")
_SECRET_PARAM = re.compile(r"(?i)(?P<key>[?&;](?:api[_-]?key|key|token|access[_-]?token|auth|password|secret|sig)=)"
                           r"[^&#\s]+")


def redact(text: Any) -> Any:
    """``text`` with credentials in URLs (``user:key@host``, ``?api_key=...``) replaced by ``***``.

    Dicts and lists are redacted value by value (manifests); other values pass through unchanged.
    """
    if isinstance(text, dict):
        return {k: redact(v) for k, v in text.items()}
    if isinstance(text, list | tuple):
        return [redact(v) for v in text]
    if not isinstance(text, str):
        return text
    return _SECRET_PARAM.sub(r"\g<key>***", _USERINFO.sub(r"\g<scheme>***@", text))


def is_transient(exc: BaseException) -> bool:
    """Errors worth retrying after a pause: timeouts, dropped connections, rate limits, 5xx."""
    if isinstance(exc, TimeoutError | ConnectionError):
        return True
    try:
        import openai
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, openai.APITimeoutError | openai.APIConnectionError | openai.RateLimitError
                      | openai.InternalServerError)
