"""Serialisable recipes for the chat model and embeddings of a population run.

LangChain clients don't pickle, so a run is described by a :class:`ModelSpec` and every worker
(a thread pool here, a Ray worker elsewhere) builds its own clients from it. The spec is also
what a resumed run compares against, so it never holds an API key: keys are read from the
environment inside the worker.
"""

from __future__ import annotations

import importlib
from typing import Any, Literal

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, ConfigDict, Field

from deeppersona_agents.errors import ConfigError


class ModelSpec(BaseModel):  # type: ignore[no-redef]  # mypy: the `kwargs` field clashes with __init__(**kwargs)
    """How to build the chat model and embeddings, anywhere.

    Attributes:
        model: A model name served by ``base_url`` (``ChatOpenAI``), or ``None`` for
            ``DEEPPERSONA_MODEL`` / the embedded SmolLM2 model.
        base_url: OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp server, OpenAI).
        embeddings: Embedding model name on the same endpoint, or ``None`` for the default.
        factory: ``"module:function"`` returning a ``BaseChatModel`` (your own model class,
            or a fake in tests); takes precedence over ``model``.
        embeddings_factory: ``"module:function"`` returning LangChain ``Embeddings``.
        kwargs: Keyword arguments for the factories (JSON-serialisable).
    """

    model_config = ConfigDict(frozen=True)

    model: str | None = None
    base_url: str | None = None
    embeddings: str | None = None
    factory: str | None = None
    embeddings_factory: str | None = None
    kwargs: dict[str, Any] = Field(default_factory=dict)

    def build_model(self) -> BaseChatModel:
        """The chat model this spec describes."""
        if self.factory:
            model = _call(self.factory, self.kwargs)
            if not isinstance(model, BaseChatModel):
                raise ConfigError(f"factory {self.factory} returned {type(model).__name__}, not a LangChain chat "
                                  "model; give 'module:function' returning a BaseChatModel", param="factory")
            return model
        from deeppersona_agents.llm import resolve_chat_model

        return resolve_chat_model(self.model, base_url=self.base_url)

    def build_embeddings(self) -> Embeddings:
        """The embeddings this spec describes."""
        if self.embeddings_factory:
            emb = _call(self.embeddings_factory, self.kwargs)
            if not isinstance(emb, Embeddings):
                raise ConfigError(f"embeddings factory {self.embeddings_factory} returned {type(emb).__name__}, "
                                  "not LangChain Embeddings")
            return emb
        from deeppersona_agents.llm import resolve_embeddings

        return resolve_embeddings(self.embeddings, base_url=self.base_url)

    def describe(self) -> dict[str, Any]:
        """What a manifest records: no secrets (credentials in ``base_url`` are redacted)."""
        from deeppersona_agents.llm import redact

        return redact(self.model_dump(exclude_defaults=True))  # type: ignore[no-any-return]


Engine = Literal["local", "ray"]


def _call(target: str, kwargs: dict[str, Any]) -> Any:
    """Call the factory ``target`` with ``kwargs``; ConfigError if it is not callable or fails."""
    factory = _import(target)
    if not callable(factory) or (isinstance(factory, type) and not issubclass(factory, (BaseChatModel, Embeddings))):
        raise ConfigError(f"factory {target!r} is not a callable that builds a LangChain chat model or embeddings; "
                          "give 'module:function' returning a BaseChatModel", param="factory")
    try:
        return factory(**kwargs)
    except Exception as exc:  # noqa: BLE001 - user code: any failure is a bad factory, reported with its cause
        raise ConfigError(f"factory {target!r} failed ({type(exc).__name__}: {exc}); give 'module:function' "
                          "returning a LangChain chat model", param="factory") from None


def _import(target: str) -> Any:
    module_name, _, attr = target.partition(":")
    if not module_name or not attr:
        raise ConfigError(f"factory {target!r} must look like 'package.module:function'")
    try:
        return getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"cannot import factory {target!r}: {exc}") from None
