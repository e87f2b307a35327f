"""Hand personas to other tools: a LangChain tool, a Hugging Face dataset, TinyTroupe and EDSL agents.

Makes a tiny population with the embedded model (no API key), exports it in every format, then asks
one persona a question through the LangChain tool an agent would call.

    python examples/handoff.py --out runs/handoff            # the embedded model, no API key
    python examples/handoff.py --model gpt-4o-mini --out runs/handoff   # OPENAI_API_KEY set
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel

from deeppersona_agents import GenerationConfig, spawn_population
from deeppersona_agents.export import export_edsl, export_hf, export_tinytroupe
from deeppersona_agents.handoff import persona_tool
from deeppersona_agents.llm import resolve_chat_model

QUESTION = "The bus fare to your work doubles from next month. What do you do?"


def main(
    seed: int = 0,
    n: int = 2,
    *,
    country: str = "KEN",
    attributes: int = 12,
    model: BaseChatModel | str | None = None,
    embeddings: Embeddings | None = None,
    out: str | Path = "runs/handoff",
    question: str = QUESTION,
) -> dict[str, Any]:
    """Generate ``n`` personas into ``out/population``, export them, and ask the first one ``question``.

    ``model`` is a chat model, a model name on an OpenAI-compatible endpoint, or None (the embedded model).
    Returns the written paths, the persona, its tool and its answer.
    """
    out = Path(out)
    model = resolve_chat_model(model)
    result = spawn_population(country, n, out=out / "population", model=model, embeddings=embeddings, seed=seed,
                              config=GenerationConfig(attributes=attributes), audit=False, progress=False)
    written = {
        "hf": export_hf(out / "population", out / "hf", force=True),
        "tinytroupe": export_tinytroupe(out / "population", out / "tinytroupe", force=True),
        "edsl": export_edsl(out / "population", out / "edsl_agents.json", force=True),
    }
    persona = result.personas[0]
    tool = persona_tool(persona, model, embeddings=embeddings)
    answer = tool.invoke({"question": question})
    return {**written, "persona": persona, "tool": tool, "answer": answer}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--country", default="KEN")
    parser.add_argument("-n", "--count", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default=None, help="OpenAI-compatible model name (default: embedded)")
    parser.add_argument("--out", default="runs/handoff")
    args = parser.parse_args()
    done = main(args.seed, args.count, country=args.country, out=args.out, model=args.model)
    print(f"Hugging Face dataset: {done['hf']}  (datasets.load_dataset('{done['hf']}', 'personas'))")
    print(f"TinyTroupe agents:    {len(done['tinytroupe'])} files in {done['tinytroupe'][0].parent}")
    print(f"EDSL agents:          {done['edsl']}  (AgentList.from_dict(json.load(open(...))))")
    print(f"\n{done['tool'].name}({QUESTION!r})\n-> {done['answer']}")
