"""One cap on LLM calls in flight, shared by every persona of a run, plus retries with backoff.

LangGraph's ``max_concurrency`` applies per graph level and multiplies across nested graphs, so
the cap lives at the model: :class:`CappedChatModel` wraps any LangChain chat model and passes
each call (plain, structured or tool-bound) through one :class:`CallGate`.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.rate_limiters import BaseRateLimiter, InMemoryRateLimiter
from langchain_core.runnables import Runnable, RunnableConfig
from pydantic import ConfigDict, PrivateAttr

from deeppersona_agents.llm import is_transient


class CallGate:
    """A counting gate: at most ``limit`` calls at once, an optional rate limit, transient retries.

    Args:
        limit: Calls in flight at most.
        requests_per_second: Optional steady rate (token bucket); ``None`` for no limit.
        retries: Extra tries for a call that failed with a transient error.
        backoff: First pause in seconds; doubles each retry, with jitter.
    """

    def __init__(self, limit: int, requests_per_second: float | None = None, *, retries: int = 3,
                 backoff: float = 0.5) -> None:
        if limit < 1:
            raise ValueError("a call gate needs a limit of at least 1")
        self.limit, self.retries, self.backoff = limit, retries, backoff
        self._slots = threading.BoundedSemaphore(limit)
        self._count_lock = threading.Lock()
        self.rate_limiter: BaseRateLimiter | None = (
            InMemoryRateLimiter(requests_per_second=requests_per_second, max_bucket_size=max(1, limit))
            if requests_per_second else None
        )
        self.in_flight = 0
        self.peak = 0
        self.calls = 0
        self.transient_retries = 0

    def run[T](self, call: Callable[[], T]) -> T:
        """Run ``call`` inside the gate, retrying transient errors with exponential backoff."""
        for attempt in range(self.retries + 1):
            if self.rate_limiter is not None:
                self.rate_limiter.acquire()
            with self._slots:
                with self._count_lock:
                    self.in_flight += 1
                    self.calls += 1
                    self.peak = max(self.peak, self.in_flight)
                try:
                    return call()
                except Exception as exc:
                    if attempt == self.retries or not is_transient(exc):
                        raise
                finally:
                    with self._count_lock:
                        self.in_flight -= 1
            with self._count_lock:
                self.transient_retries += 1
            time.sleep(self.backoff * 2**attempt * (0.5 + random.random()))  # noqa: S311 - jitter only
        raise AssertionError("unreachable")  # pragma: no cover


class Gated(Runnable[Any, Any]):
    """``runnable`` with every ``invoke`` passed through ``gate`` (a plain Runnable: no extra callback layer)."""

    def __init__(self, runnable: Runnable[Any, Any], gate: CallGate) -> None:
        self.runnable, self.gate = runnable, gate
        self.name = f"gated_{runnable.get_name()}"

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        """Invoke the wrapped runnable inside the gate."""
        return self.gate.run(lambda: self.runnable.invoke(input, config, **kwargs))


def gated(runnable: Runnable[Any, Any], gate: CallGate) -> Runnable[Any, Any]:
    """``runnable`` with every ``invoke`` passed through ``gate``."""
    return Gated(runnable, gate)


class CappedChatModel(BaseChatModel):
    """Any chat model behind a shared :class:`CallGate` (concurrency cap, rate limit, retries).

    ``with_structured_output`` and ``bind_tools`` delegate to the wrapped model, so each
    backend keeps its own structured-output mechanics.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    inner: BaseChatModel
    _gate: CallGate = PrivateAttr()

    def __init__(self, inner: BaseChatModel, gate: CallGate, **kwargs: Any) -> None:
        super().__init__(inner=inner, **kwargs)
        self._gate = gate

    @property
    def gate(self) -> CallGate:
        """The shared gate."""
        return self._gate

    @property
    def _llm_type(self) -> str:
        return f"capped-{self.inner._llm_type}"

    @property
    def model_name(self) -> str:
        """The wrapped model's name, for manifests."""
        from deeppersona_agents.llm import chat_model_name

        return chat_model_name(self.inner)

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        message = self._gate.run(lambda: self.inner.invoke(messages, stop=stop, **kwargs))
        return ChatResult(generations=[ChatGeneration(message=message)])

    def with_structured_output(self, schema: Any, **kwargs: Any) -> Runnable[Any, Any]:  # type: ignore[override]
        """The wrapped model's structured output, gated."""
        return gated(self.inner.with_structured_output(schema, **kwargs), self._gate)

    def bind_tools(self, tools: Any, **kwargs: Any) -> Runnable[Any, Any]:  # type: ignore[override]
        """The wrapped model's tool binding, gated."""
        return gated(self.inner.bind_tools(tools, **kwargs), self._gate)
