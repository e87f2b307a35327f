"""Stage-1 builder: Q&A pairs per second (instant fake model) and merge time for 10,000 candidate nodes."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from deeppersona_agents import MiniLMEmbeddings, load_tree
from deeppersona_agents.taxonomy.builder import build_taxonomy
from deeppersona_agents.taxonomy.builder.assemble import add_paths, merge_new
from deeppersona_agents.taxonomy.builder.graph import BuilderDeps
from tests.fakes import FakeChatModel
from tests.taxonomy.test_builder import responder

TOPICS = ["sleep", "grocery", "football", "netflix"]


def bench_pairs(n: int, concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "qa.jsonl"
        rows = [{"question": f"Question {i} about my {TOPICS[i % 4]} habits, what should I do?",
                 "answer": f"Answer {i}."} for i in range(n)]
        data.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
        deps = BuilderDeps(model=FakeChatModel(responder=responder), embeddings=MiniLMEmbeddings(), base=load_tree(),
                           work_dir=Path(tmp) / "work", concurrency=concurrency)
        start = time.perf_counter()
        report = build_taxonomy(data, deps)
        wall = time.perf_counter() - start
    print(f"builder: {n} Q&A pairs in {wall:.1f} s = {n / wall:.0f} pairs/s (instant fake model, "
          f"concurrency {concurrency}, growing the shipped tree); {report.usage['llm_calls']} LLM calls")


def bench_merge(n: int) -> None:
    tree = load_tree()
    rng = np.random.default_rng(0)
    suffixes = ["Habits", "Preferences", "History", "Attitude", "Style", "Routine", "Level", "Goals"]
    paths = []
    for i in range(n):
        leaf = tree.leaves[int(rng.integers(len(tree.leaves)))]
        paths.append([*leaf.path[:-1], f"{leaf.path[-1]} {suffixes[i % len(suffixes)]}"])
    categories: list = []
    add_paths(categories, paths)
    unique = sum(1 for _ in paths)
    start = time.perf_counter()
    merges = merge_new(categories, MiniLMEmbeddings(), 0.7)
    wall = time.perf_counter() - start
    print(f"merge: {unique} candidate nodes merged level by level in {wall:.1f} s ({merges} merges, MiniLM)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=400)
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    bench_pairs(args.pairs, args.concurrency)
    bench_merge(args.nodes)
