"""(b) LLM calls and prompt size per k = 200 persona: message and response-schema characters, and tokens.

Providers bill the response schema with the prompt, so both are counted: a LangChain callback sees
every chat call's messages and the ``response_format`` schema bound to it. Runs without and with the
review stage; under each persona a table gives calls, message and schema characters per stage. With
``--embedded`` the embedded model answers (its llama.cpp tokenizer reports exact token counts; the
schema it sees is its grammar form); by default the instant fake answers (tokens there are about 4
characters each).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from deeppersona_agents import EmbeddedChatModel, GenerationConfig, MiniLMEmbeddings, generate_persona

BIO = "Moved to Nairobi after her divorce; raises two children alone."


class PromptSize(BaseCallbackHandler):
    """Counts characters of every chat call's messages and of its response schema (or tool)."""

    def __init__(self) -> None:
        self.calls, self.message_chars, self.schema_chars = 0, 0, 0
        self.by_stage: dict[str, list[int]] = {}  # stage -> [calls, message chars, schema chars]

    def on_chat_model_start(self, serialized: dict[str, Any], messages: list[list[Any]], **kwargs: Any) -> None:
        params = kwargs.get("invocation_params") or {}
        fmt = params.get("response_format") or {}
        schema = fmt.get("schema") or fmt.get("json_schema") or params.get("tools") or {}
        chars = sum(len(str(m.content)) for batch in messages for m in batch)
        schema_chars = len(json.dumps(schema))
        self.calls += 1
        self.message_chars += chars
        self.schema_chars += schema_chars
        stage = (kwargs.get("metadata") or {}).get("langgraph_node", "?")
        row = self.by_stage.setdefault(stage, [0, 0, 0])
        row[0] += 1
        row[1] += chars
        row[2] += schema_chars

    def table(self) -> str:
        """Per-stage calls, message and schema characters, in graph order."""
        lines = [f"    {'stage':<17}{'calls':>6}{'messages':>10}{'schema':>9}{'total':>9}"]
        for stage, (calls, chars, schema) in self.by_stage.items():
            lines.append(f"    {stage:<17}{calls:>6}{chars:>10,}{schema:>9,}{chars + schema:>9,}")
        return "\n".join(lines)


def main(k: int = 200, n: int = 3, embedded: bool = False) -> None:
    if embedded:
        model: Any = EmbeddedChatModel()
    else:
        from tests.fakes import FakeChatModel

        model = FakeChatModel()
    emb = MiniLMEmbeddings()
    for review in (False, True):
        if review and "review" not in GenerationConfig.model_fields:
            break  # a version without the review stage
        # the fake stands for a remote model, which gets numbered fill keys; the embedded model decides itself
        keys = {} if embedded or "numbered_keys" not in GenerationConfig.model_fields else {"numbered_keys": True}
        config = GenerationConfig(attributes=k, **({"review": review} if review else {}), **keys)
        for seed in range(n):
            size = PromptSize()
            start = time.perf_counter()
            p = generate_persona({"age": "34", "occupation": "nurse"}, bio=BIO, country="KEN", seed=seed, model=model,
                                 embeddings=emb, config=config, callbacks=[size])
            m = p.manifest
            print(f"review={review} seed={seed} k={k}: {len(p.sampled_attributes())} attributes, "
                  f"{len(p.stories)} stories, {m.llm_calls} LLM calls; prompt {size.message_chars:,} message + "
                  f"{size.schema_chars:,} schema = {size.message_chars + size.schema_chars:,} chars; "
                  f"{m.prompt_tokens:,} prompt + {m.completion_tokens:,} completion tokens; "
                  f"consistency {getattr(m, 'consistency', None)} "
                  f"({m.model}; {time.perf_counter() - start:.0f} s)")
            print(size.table())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-k", type=int, default=200)
    parser.add_argument("-n", type=int, default=3)
    parser.add_argument("--embedded", action="store_true", help="answer with the embedded model (slow)")
    args = parser.parse_args()
    main(args.k, args.n, args.embedded)
