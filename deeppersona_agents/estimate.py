"""Cost estimates before a run (``--dry-run``): the run's real prompts, placeholder replies, counted tokens.

Sits in place of the chat model. :class:`DryRunChatModel` is a LangChain chat model that sends
nothing: the run's own code (the generation graph, the survey model, the QA loop) builds every
prompt exactly as it would for the endpoint, and the dry-run model answers each with a placeholder
that fits the requested schema (:func:`placeholder`). It reports the tokens it counted as the
reply's usage, so the run's ordinary counters (``usage.py``) add up the estimate, and the estimate
follows any change to the prompts.

Tokens are counted with the embedded model's own llama.cpp tokenizer (its vocabulary only) when the
run would use the embedded model, else with :data:`CHARS_PER_TOKEN`; the rule used is printed.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from deeppersona_agents.embedded import SchemaConstrainedChatModel
from deeppersona_agents.errors import ModelError

#: Characters per token when the model's tokenizer is not known (OpenAI's rule of thumb for English).
CHARS_PER_TOKEN = 4
#: Words of a free-text reply (no schema), e.g. the QA responder's answer.
FREE_TEXT_WORDS = 150
#: Words of a string field whose schema states no length.
STRING_WORDS = 12
#: Share of "at most N words" a model writes.
AT_MOST_SHARE = 0.8
#: The rule for placeholder replies, printed with every estimate.
REPLY_RULE = (f"placeholders of the length each schema asks for (the midpoint of 'N-M words', "
              f"{AT_MOST_SHARE:.0%} of 'at most N words', half of a character limit, else {STRING_WORDS} words; "
              f"lists half-way between their bounds); free text {FREE_TEXT_WORDS} words")

_FILLER = ("she keeps a steady routine at work and at home and talks with her friends most evenings about "
           "the week the family the prices and the plans they make for the season ahead").split()
_RANGE = re.compile(r"(\d+)\s*[-–]\s*(\d+)\s+words")
_AT_MOST = re.compile(r"(?:at most|under|up to|no more than)\s+(\d+)\s+words")
_WORDS = re.compile(r"(\d+)\s+words")


def _words(count: int, start: int = 0) -> str:
    return " ".join(_FILLER[(start + i) % len(_FILLER)] for i in range(max(1, count)))


def _text(schema: dict[str, Any], start: int) -> str:
    """Filler of the length ``schema`` asks for, from word ``start`` on (so list items differ)."""
    hint = str(schema.get("description", ""))
    if m := _RANGE.search(hint):
        text = _words((int(m.group(1)) + int(m.group(2))) // 2, start)
    elif m := _AT_MOST.search(hint):
        text = _words(int(int(m.group(1)) * AT_MOST_SHARE), start)
    elif m := _WORDS.search(hint):
        text = _words(int(m.group(1)), start)
    elif "maxLength" in schema:
        text = _words(100, start)[: int(schema["maxLength"]) // 2].rstrip()
    else:
        text = _words(STRING_WORDS, start)
    low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
    if len(text) < low:
        text = _words(low, start)[:low]
    return text[: int(high)].rstrip() if high is not None else text


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        target = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return _resolve({**target, **{k: v for k, v in schema.items() if k != "$ref"}}, root)
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:  # a nullable field: a model answers it
        chosen = next((s for s in options if s.get("type") != "null"), options[0])
        return _resolve({**{k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}, **chosen}, root)
    if isinstance(schema.get("type"), list):
        kinds = [k for k in schema["type"] if k != "null"] or ["null"]
        return {**schema, "type": kinds[0]}
    return schema


def placeholder(schema: dict[str, Any]) -> Any:
    """A value that fits ``schema``, its strings as long as the schema asks for (see :data:`REPLY_RULE`)."""
    return _fill(schema, schema, iter(range(10**6)))


def _fill(schema: dict[str, Any], root: dict[str, Any], position: Any) -> Any:
    schema = _resolve(schema, root)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return next((v for v in schema["enum"] if v is not None), schema["enum"][0])
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if kind == "object":
        return {key: _fill(sub, root, position) for key, sub in (schema.get("properties") or {}).items()}
    if kind == "array":
        low_items, high_items = int(schema.get("minItems", 0)), schema.get("maxItems")
        count = math.ceil((low_items + int(high_items)) / 2) if high_items is not None else max(low_items, 2)
        return [_fill(schema.get("items") or {"type": "string"}, root, position) for _ in range(count)]
    if kind in ("integer", "number"):
        low, high = schema.get("minimum"), schema.get("maximum")
        value: float = (low + high) / 2 if low is not None and high is not None else low if low is not None else 3
        value += next(position) % 2 if high is None or value + 1 <= high else 0  # items differ a little
        return int(value) if kind == "integer" else float(value)
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    return _text(schema, next(position) * 7)


@dataclass(frozen=True)
class TokenCounter:
    """Counts the tokens of a chat prompt and of a reply; ``rule`` says how, for the printed estimate."""

    count: Callable[[str], int]
    rule: str
    chat_format: Callable[[list[BaseMessage]], str]


def _plain_chat(messages: list[BaseMessage]) -> str:
    return "\n".join(str(m.content) for m in messages)


def chars_counter() -> TokenCounter:
    """The characters-per-token rule (models whose tokenizer is not shipped)."""
    return TokenCounter(lambda text: len(text) // CHARS_PER_TOKEN,
                        f"{CHARS_PER_TOKEN} characters per token (the model's tokenizer is not known here)",
                        _plain_chat)


def embedded_counter() -> TokenCounter:
    """The embedded SmolLM2's own tokenizer and chat template, as llama.cpp applies them (vocabulary only)."""
    import llama_cpp
    from llama_cpp import _internals  # the model object without a context: vocab_only loads in ~0.4 s, silently
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    from deeppersona_agents.embedded import EMBEDDED_MODEL_NAME, embedded_model_path
    from deeppersona_agents.embedded.smollm import _message_dicts

    params = llama_cpp.llama_model_default_params()
    params.vocab_only = True
    vocab = _internals.LlamaModel(path_model=str(embedded_model_path()), params=params, verbose=False)
    template = Jinja2ChatFormatter(template=vocab.metadata()["tokenizer.chat_template"],
                                   eos_token=vocab.token_get_text(vocab.token_eos()),
                                   bos_token=vocab.token_get_text(vocab.token_bos()))

    def chat(messages: list[BaseMessage]) -> str:
        return str(template(messages=_message_dicts(messages)).prompt)  # type: ignore[arg-type]

    return TokenCounter(lambda text: len(vocab.tokenize(text.encode(), add_bos=False, special=True)),
                        f"the {EMBEDDED_MODEL_NAME} tokenizer and chat template (llama.cpp)", chat)


class DryRunChatModel(SchemaConstrainedChatModel):
    """Answers every call with a placeholder and counts its tokens; never calls anything.

    Structured calls (any ``method``) reach it as ``response_format`` with the schema, like the
    embedded model; a call without a schema gets :data:`FREE_TEXT_WORDS` words.
    """

    counter: Any = None
    name_shown: str = "dry-run"
    remote: bool = True  # stands for a model on an endpoint (not the embedded one)
    tally: Any = None  # a Usage: every call this model answered
    schema_tokens: Any = None  # [count]: schema tokens sent beside the prompt (shared with bound copies)
    schema_beside: bool = False  # set on the copy bound for json_schema / function_calling

    def model_post_init(self, context: Any) -> None:
        """A fresh tally per model."""
        from deeppersona_agents.usage import Usage

        if self.tally is None:
            self.tally = Usage()
        if self.schema_tokens is None:
            self.schema_tokens = [0]

    def with_structured_output(self, schema: Any, *, method: str | None = None, **kwargs: Any) -> Any:
        """As the endpoint would get it: beside the prompt (``json_schema``, ``function_calling``) or in it."""
        beside = self.remote and method != "json_mode"  # json_mode: ask_structured put the schema in the prompt
        model = self.model_copy(update={"schema_beside": beside}) if beside else self
        return SchemaConstrainedChatModel.with_structured_output(model, schema, method=method, **kwargs)

    @property
    def _llm_type(self) -> str:
        return "deeppersona-dry-run"

    @property
    def model_name(self) -> str:
        """The model the estimate is for."""
        return self.name_shown

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        counter: TokenCounter = self.counter or chars_counter()
        schema = (kwargs.get("response_format") or {}).get("schema")
        text = json.dumps(placeholder(schema)) if schema else _words(FREE_TEXT_WORDS)
        completion = counter.count(text)
        if kwargs.get("max_tokens"):
            completion = min(completion, int(kwargs["max_tokens"]))
        prompt = counter.count(counter.chat_format(messages))
        if schema and self.schema_beside:
            with self.tally._lock:
                self.schema_tokens[0] += counter.count(json.dumps(schema))
        usage = {"input_tokens": prompt, "output_tokens": completion, "total_tokens": prompt + completion}
        with self.tally._lock:
            self.tally.llm_calls += 1
            self.tally.prompt_tokens += prompt
            self.tally.completion_tokens += completion
        message = AIMessage(content=text, usage_metadata=usage,  # type: ignore[arg-type]
                            response_metadata={"finish_reason": "stop", "model_name": self.name_shown})
        return ChatResult(generations=[ChatGeneration(message=message)])


@dataclass
class Estimate:
    """What a run would cost: model calls and tokens, how they were counted, and the price if given."""

    calls: int
    prompt_tokens: int
    completion_tokens: int
    token_rule: str
    scope: str
    price_in: float | None = None
    price_out: float | None = None
    schema_tokens: int = 0

    @property
    def cost(self) -> float | None:
        """USD, when both prices (USD per million tokens) are given."""
        if self.price_in is None or self.price_out is None:
            return None
        return (self.prompt_tokens * self.price_in + self.completion_tokens * self.price_out) / 1e6

    def scaled(self, factor: float, scope: str) -> Estimate:
        """This estimate times ``factor`` (a sample standing for the whole run)."""
        return Estimate(round(self.calls * factor), round(self.prompt_tokens * factor),
                        round(self.completion_tokens * factor), self.token_rule, scope, self.price_in, self.price_out,
                        round(self.schema_tokens * factor))

    def lines(self) -> list[str]:
        """The estimate as printed by ``--dry-run``."""
        out = ["dry run: nothing was sent to any model",
               f"model calls: {self.calls:,}",
               f"prompt tokens: {self.prompt_tokens:,}",
               f"completion tokens: {self.completion_tokens:,}"]
        if self.cost is not None:
            out.append(f"cost: ${self.cost:,.4f} at ${self.price_in:g} in / ${self.price_out:g} out per million tokens")
        else:
            out.append("cost: give --price-in and --price-out (USD per million tokens) to see it")
        if self.schema_tokens:
            out.append(f"schemas: {self.schema_tokens:,} more prompt tokens if the provider bills the JSON schema "
                       "sent beside each prompt (json_schema, function_calling); not in the cost above")
        return [*out, f"scope: {self.scope}", f"tokens: {self.token_rule}", f"replies: {REPLY_RULE}",
                "retries of invalid answers are not included"]


def dry_run_model(model_name: str | None) -> DryRunChatModel:
    """The dry-run stand-in for the model a run would use (``None``: the environment's choice)."""
    from deeppersona_agents.embedded import EMBEDDED_MODEL_NAME
    from deeppersona_agents.llm import model_setting

    name = model_name or model_setting()
    if name:
        return DryRunChatModel(counter=chars_counter(), name_shown=name)
    try:
        counter = embedded_counter()
    except (ImportError, AttributeError, KeyError, OSError, ValueError, ModelError):  # no embedded model here
        counter = chars_counter()
    return DryRunChatModel(counter=counter, name_shown=EMBEDDED_MODEL_NAME, remote=False)


def tally(models: list[DryRunChatModel], scope: str, price_in: float | None = None,
          price_out: float | None = None) -> Estimate:
    """The estimate of what ``models`` (one per role: responder, evaluator ...) were asked in a dry run."""
    rules = "; ".join(dict.fromkeys(f"{m.name_shown}: {(m.counter or chars_counter()).rule}" for m in models))
    return Estimate(sum(m.tally.llm_calls for m in models), sum(m.tally.prompt_tokens for m in models),
                    sum(m.tally.completion_tokens for m in models), rules, scope, price_in, price_out,
                    sum(m.schema_tokens[0] for m in models))
