"""What the endpoint saw: model calls counted per attempt by a LangChain callback, cached calls apart.

Every model call of the package (structured stages, survey answers, QA responder and evaluator)
goes through :func:`invoke_counted`, which attaches a :class:`UsageCallback` to the run. The
callback sees each attempt (``on_llm_end`` or ``on_llm_error``), including our own retries of
transient errors; ``ChatOpenAI`` is built with ``max_retries=0`` (``llm.py``), so no HTTP attempt
is hidden inside the client. A reply served by LangChain's LLM cache is counted as
``calls_cached``, not as a call. Persona manifests, population summaries, survey and QA reports
read these counters.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.outputs import LLMResult
from langchain_core.runnables import Runnable
from langchain_core.runnables.config import ensure_config, merge_configs

from deeppersona_agents.llm import is_transient

#: Extra tries of one call after a transient error (what the OpenAI client did internally before).
TRANSIENT_RETRIES = 2
#: First pause in seconds before retrying a transient error; doubles each retry, with jitter.
TRANSIENT_BACKOFF = 0.5


@dataclass
class Usage:
    """Model calls (attempts that reached for the endpoint, failed ones included), cached calls and tokens."""

    llm_calls: int = 0
    calls_cached: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __iadd__(self, other: Usage) -> Usage:
        with self._lock:
            for key, value in other.as_dict().items():
                setattr(self, key, getattr(self, key) + value)
        return self

    def as_dict(self) -> dict[str, int]:
        """Plain dict (graph state, manifests)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}


def _cached(message: Any) -> bool:
    """langchain-core marks a reply served from its LLM cache by setting ``total_cost`` 0 in its usage."""
    meta = getattr(message, "usage_metadata", None) or {}
    return "total_cost" in meta and not meta["total_cost"]


class UsageCallback(BaseCallbackHandler):
    """Counts every chat-model attempt of the runs it is attached to into a :class:`Usage`."""

    raise_error = True

    def __init__(self, usage: Usage) -> None:
        self.usage = usage

    def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        """One attempt answered (or one cache hit)."""
        messages = [getattr(g, "message", None) for gens in response.generations for g in gens]
        with self.usage._lock:
            if messages and all(_cached(m) for m in messages):
                self.usage.calls_cached += 1
                return
            self.usage.llm_calls += 1
            for message in messages:
                meta = getattr(message, "usage_metadata", None) or {}
                self.usage.prompt_tokens += int(meta.get("input_tokens", 0) or 0)
                self.usage.completion_tokens += int(meta.get("output_tokens", 0) or 0)

    def on_llm_error(self, error: BaseException, **kwargs: Any) -> None:
        """One attempt that raised (HTTP error, timeout, dropped connection): the endpoint may still bill it."""
        with self.usage._lock:
            self.usage.llm_calls += 1


def counted_config(usage: Usage | None) -> dict[str, Any] | None:
    """The current run's config (inherited callbacks, tags) plus a :class:`UsageCallback` for ``usage``."""
    if usage is None:
        return None
    return merge_configs(ensure_config(), {"callbacks": [UsageCallback(usage)]})  # type: ignore[return-value]


def invoke_counted(runnable: Runnable[Any, Any], messages: Any, *, usage: Usage | None = None,
                   retries: int = TRANSIENT_RETRIES, sleep: Callable[[float], None] = time.sleep) -> Any:
    """``runnable.invoke(messages)``, each attempt counted into ``usage``; transient errors retried with backoff.

    Raises:
        Exception: the last error when it is not transient or the retries are spent.
    """
    config = counted_config(usage)
    for attempt in range(retries + 1):
        try:
            return runnable.invoke(messages, config=config)  # type: ignore[arg-type]
        except Exception as exc:
            if attempt == retries or not is_transient(exc):
                raise
        sleep(TRANSIENT_BACKOFF * 2**attempt * (0.5 + random.random()))  # noqa: S311 - jitter only
    raise AssertionError("unreachable")  # pragma: no cover


def add_usage(left: dict[str, int] | None, right: dict[str, int] | None) -> dict[str, int]:
    """Reducer: sum counters (LLM calls, tokens, per-stage counts) reported by graph nodes."""
    out = dict(left or {})
    for key, value in (right or {}).items():
        out[key] = out.get(key, 0) + value
    return out
