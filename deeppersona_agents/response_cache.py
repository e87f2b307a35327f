"""A persistent response cache under every model call: a rerun asks the endpoint only what is new.

Sits between the stages and the chat model. ``--cache PATH`` (``cache=`` in Python) sets a
:class:`ResponseCache` as the model's LangChain cache (``BaseChatModel.cache``), so LangChain looks
each call up before sending it and stores each reply after. The key is LangChain's pair
(prompt, llm_string) plus the run's seed:

- prompt: every message of the call;
- llm_string: the model's class and settings (name, endpoint, temperature, its sampling ``seed``)
  and the call's bound arguments (``response_format`` or ``tools``: the schema);
- the run seed of the persona or survey being made (:func:`seeded`), so another seed never reuses
  an answer even when a prompt happens to be the same.

A hit makes no HTTP attempt; ``usage.py`` counts it as ``calls_cached``, never as billed. Replies
are stored in SQLite (WAL, one row per key), so threads and Ray actors on one machine can share it.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from langchain_core.caches import BaseCache
from langchain_core.language_models import BaseChatModel
from langchain_core.load import dumps, loads
from langchain_core.outputs import ChatGeneration, Generation
from pydantic import BaseModel

from deeppersona_agents.errors import ConfigError
from deeppersona_agents.llm import model_with

_SEED: ContextVar[str] = ContextVar("deeppersona_cache_seed", default="")


@contextmanager
def seeded(seed: int | str) -> Iterator[None]:
    """Within this block (and the graph nodes it starts), cache keys include ``seed``."""
    token = _SEED.set(str(seed))
    try:
        yield
    finally:
        _SEED.reset(token)


class ResponseCache(BaseCache):
    """LangChain cache interface over one SQLite file.

    Args:
        path: The database file; created with its folder when missing.
        seed: A fixed seed for every key (e.g. a survey's); else the one :func:`seeded` sets.
    """

    def __init__(self, path: str | Path, *, seed: int | str | None = None) -> None:
        self.path = Path(path)
        self.seed = None if seed is None else str(seed)
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=60, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"cannot use {self.path} as the response cache ({exc}); give a writable file path, "
                              "e.g. runs/cache.sqlite", param="cache") from None

    def with_seed(self, seed: int | str) -> ResponseCache:
        """The same file, with ``seed`` in every key."""
        return ResponseCache(self.path, seed=seed)

    def _key(self, prompt: str, llm_string: str) -> str:
        seed = self.seed if self.seed is not None else _SEED.get()
        return hashlib.sha256("\0".join((prompt, llm_string, seed)).encode()).hexdigest()

    def lookup(self, prompt: str, llm_string: str) -> Sequence[Generation] | None:
        """The stored reply, or ``None``."""
        with self._lock:
            row = self._db.execute("SELECT value FROM replies WHERE key = ?", (self._key(prompt, llm_string),)
                                   ).fetchone()
        if row is None:
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # langchain-core marks loads as beta
            return loads(row[0], allowed_objects="core")  # type: ignore[no-any-return]

    def update(self, prompt: str, llm_string: str, return_val: Sequence[Generation]) -> None:
        """Store a reply."""
        value = dumps([_plain(g) for g in return_val])
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO replies (key, value) VALUES (?, ?)",
                             (self._key(prompt, llm_string), value))

    def clear(self, **kwargs: Any) -> None:
        """Forget every reply."""
        with self._lock:
            self._db.execute("DELETE FROM replies")

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM replies").fetchone()[0])

    def __reduce__(self) -> tuple[Any, ...]:  # Ray and process pools get the path, not the connection
        return (ResponseCache, (self.path,), {"seed": self.seed})

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.seed = state["seed"]


def _plain(generation: Generation) -> Generation:
    """``generation`` with parsed pydantic objects (``ChatOpenAI`` puts them in the message) as dicts."""
    message = getattr(generation, "message", None)
    extra = getattr(message, "additional_kwargs", None) or {}
    if not isinstance(generation, ChatGeneration) or not any(isinstance(v, BaseModel) for v in extra.values()):
        return generation
    plain = {k: v.model_dump(mode="json") if isinstance(v, BaseModel) else v for k, v in extra.items()}
    return generation.model_copy(update={"message": generation.message.model_copy(update={"additional_kwargs": plain})})


def open_cache(cache: str | Path | BaseCache | None) -> BaseCache | None:
    """A cache from a path (a :class:`ResponseCache`), any LangChain cache as is, or ``None``."""
    if cache is None or isinstance(cache, BaseCache):
        return cache
    return ResponseCache(cache)


def with_cache(model: BaseChatModel, cache: str | Path | BaseCache | None) -> BaseChatModel:
    """A copy of ``model`` that looks every call up in ``cache`` first (``model`` itself when ``cache`` is None)."""
    store = open_cache(cache)
    if store is None:
        return model
    return model_with(model, cache=store)


def cached_model(model: BaseChatModel | None, cache: str | Path | BaseCache | None, seed: int | str | None) -> Any:
    """``model`` (resolved per ``llm.py`` when ``None``) looking calls up in ``cache`` keyed with a fixed ``seed``.

    For runs whose calls leave the thread that started them (a survey's pool): the seed is bound into
    the cache instead of the context. ``model`` itself when ``cache`` is ``None``.
    """
    store = open_cache(cache)
    if store is None:
        return model
    from deeppersona_agents.llm import resolve_chat_model

    if isinstance(store, ResponseCache) and seed is not None:
        store = store.with_seed(seed)
    return with_cache(resolve_chat_model(model), store)
