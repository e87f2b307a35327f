"""(b) LLM calls and prompt/completion tokens per k = 200 persona, counted by a real tokenizer.

Uses the embedded model (its llama.cpp tokenizer reports exact counts); pass --fake to count with
the instant fake instead (about 4 characters per token).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from deeppersona_agents import EmbeddedChatModel, GenerationConfig, MiniLMEmbeddings, generate_persona


def main(k: int = 200, n: int = 1, fake: bool = False) -> None:
    if fake:
        from tests.fakes import FakeChatModel

        model = FakeChatModel()
    else:
        model = EmbeddedChatModel()
    config = GenerationConfig(attributes=k)
    emb = MiniLMEmbeddings()
    for seed in range(n):
        start = time.perf_counter()
        p = generate_persona({"age": "34", "occupation": "nurse"}, country="KEN", seed=seed, model=model,
                             embeddings=emb, config=config)
        m = p.manifest
        print(f"seed={seed} k={k}: {len(p.sampled_attributes())} attributes delivered, {m.llm_calls} LLM calls, "
              f"{m.prompt_tokens} prompt + {m.completion_tokens} completion tokens "
              f"({m.model}; {time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-k", type=int, default=200)
    parser.add_argument("-n", type=int, default=1)
    parser.add_argument("--fake", action="store_true")
    args = parser.parse_args()
    main(args.k, args.n, args.fake)
