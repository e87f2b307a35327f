"""Wiring of the Stage-1 graph: load -> classify -> extract -> filter -> merge -> refilter -> describe -> conditions.

Per-item LLM work runs concurrently (``concurrency`` threads); every finished item is appended to a
cache in ``work_dir`` so a killed build resumes where it stopped. Failures of single items are
counted and reported, never silently dropped.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TypedDict

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langgraph.graph import StateGraph
from langgraph.graph.state import CompiledStateGraph

from deeppersona_agents._chain import add_chain
from deeppersona_agents.errors import DeepPersonaError, GenerationError
from deeppersona_agents.structured import Usage
from deeppersona_agents.taxonomy.builder import assemble
from deeppersona_agents.taxonomy.builder.cache import StageCache
from deeppersona_agents.taxonomy.builder.conditions import classify_conditions
from deeppersona_agents.taxonomy.builder.inputs import QAPair, read_pairs
from deeppersona_agents.taxonomy.builder.stages import (
    classify_pair,
    describe_leaves,
    extract_paths,
    judge_paths,
    same_attribute,
)
from deeppersona_agents.taxonomy.tree import SEP, AttributeTree
from deeppersona_agents.usage import add_usage

FILTER_BATCH = 25
DESCRIBE_BATCH = 25
CONDITIONS_BATCH = 60


def add_counts(left: dict[str, int] | None, right: dict[str, int] | None) -> dict[str, int]:
    """Reducer: sum per-stage counts."""
    return add_usage(left, right)


class BuildState(TypedDict, total=False):
    """What flows between the Stage-1 nodes."""

    input_path: str
    pairs: list[QAPair]
    bad_lines: list[tuple[int, str]]
    personal: list[QAPair]
    candidates: list[list[str]]
    kept: list[list[str]]
    categories: list[dict[str, Any]]
    tree: dict[str, Any]
    counts: Annotated[dict[str, int], add_counts]
    usage: Annotated[dict[str, int], add_usage]


@dataclass
class BuilderDeps:
    """Everything the nodes need besides state."""

    model: BaseChatModel
    embeddings: Embeddings
    base: AttributeTree | None
    work_dir: Path
    structured_method: str = "json_schema"
    concurrency: int = 4
    threshold: float = 0.7
    confirm_merges: bool = False  # ask the LLM before merging pairs below cosine 0.8
    version: str | None = None  # default: the base tree's version + "+grown", or 0.1.0 for a fresh tree
    infer_conditions: bool = False  # ask the model when each new leaf applies (applies_if)
    on_progress: Callable[[str, int, int], None] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def cache(self, stage: str) -> StageCache:
        """The resume cache of one stage, scoped to this model, embeddings, structured method and base tree."""
        from deeppersona_agents.llm import chat_model_name, embeddings_name

        parts = [chat_model_name(self.model), embeddings_name(self.embeddings), self.structured_method,
                 self.base.content_hash if self.base is not None else "fresh"]
        return StageCache(self.work_dir, stage, scope=hashlib.sha256("|".join(parts).encode()).hexdigest()[:16])


def run_items[T, R](deps: BuilderDeps, stage: str, items: Iterable[T], key: Callable[[T], str],
              work: Callable[[T, Usage], R], encode: Callable[[R], Any]) -> tuple[dict[str, Any], Usage, int]:
    """Run ``work`` on every item not yet cached, concurrently; returns (all cached values, usage, failures)."""
    cache = deps.cache(stage)
    todo = [it for it in items if key(it) not in cache]
    total, usage, failures, done = len(todo), Usage(), 0, 0
    if deps.on_progress:
        deps.on_progress(stage, 0, total)

    def one(item: T) -> None:
        nonlocal failures, done
        mine = Usage()
        try:
            cache.put(key(item), encode(work(item, mine)))
        except DeepPersonaError:
            with deps._lock:
                failures += 1
        with deps._lock:
            usage.__iadd__(mine)
            done += 1
            if deps.on_progress:
                deps.on_progress(stage, done, total)

    with ThreadPoolExecutor(max_workers=deps.concurrency) as pool:
        for future in as_completed([pool.submit(one, it) for it in todo]):
            future.result()
    return cache.values, usage, failures


def load_node(state: BuildState, deps: BuilderDeps) -> dict[str, Any]:
    """Read the Q&A pairs; bad lines are kept for the report."""
    pairs, bad = read_pairs(state["input_path"])
    return {"pairs": pairs, "bad_lines": bad, "counts": {"pairs": len(pairs), "bad_lines": len(bad)}}


def classify_node(state: BuildState, deps: BuilderDeps) -> dict[str, Any]:
    """Label every pair; keep the partially and fully personalizable ones."""
    pairs = state.get("pairs", [])
    values, usage, failed = run_items(
        deps, "classify", pairs, lambda p: p.key,
        lambda p, u: classify_pair(deps.model, p, deps.structured_method, u), lambda r: r.model_dump())
    labels = Counter(values[p.key]["label"] for p in pairs if p.key in values)
    personal = [p for p in pairs if p.key in values and values[p.key]["label"] != "non_personalizable"]
    counts = {f"classified_{k}": v for k, v in labels.items()} | {"classify_failed": failed}
    return {"personal": personal, "counts": counts, "usage": usage.as_dict()}


def extract_node(state: BuildState, deps: BuilderDeps) -> dict[str, Any]:
    """Extract attribute paths from each personal pair."""
    personal = state.get("personal", [])
    values, usage, failed = run_items(
        deps, "extract", personal, lambda p: p.key,
        lambda p, u: extract_paths(deps.model, p, deps.structured_method, u), lambda r: r)
    candidates = [path for p in personal for path in values.get(p.key, [])]
    return {"candidates": candidates, "usage": usage.as_dict(),
            "counts": {"extracted_paths": len(candidates), "extract_failed": failed}}


def filter_node(state: BuildState, deps: BuilderDeps) -> dict[str, Any]:
    """First filter: naming rules, then the LLM keeps, rewrites or drops each distinct path."""
    unique: dict[str, list[str]] = {}
    for path in state.get("candidates", []):
        cleaned = assemble.clean_path(path)
        if cleaned:
            unique.setdefault(SEP.join(cleaned).lower(), cleaned)
    paths = list(unique.values())
    batches = [paths[i : i + FILTER_BATCH] for i in range(0, len(paths), FILTER_BATCH)]

    def judge(batch: list[list[str]], usage: Usage) -> list[list[str] | None]:
        verdicts = judge_paths(deps.model, batch, deps.structured_method, usage)
        out: list[list[str] | None] = []
        for i, path in enumerate(batch):
            v = verdicts.get(i)
            if v is None or v.decision == "drop":
                out.append(None)
            elif v.decision == "rewrite" and v.rewritten:
                out.append(assemble.clean_path([path[0], *v.rewritten]))
            else:
                out.append(path)
        return out

    values, usage, failed = run_items(deps, "filter", batches, lambda b: "|".join(SEP.join(p) for p in b),
                                      judge, lambda r: r)
    kept = [p for b in batches for p in values.get("|".join(SEP.join(x) for x in b), []) if p]
    counts = {"filter_candidates": len(paths), "filter_kept": len(kept), "filter_dropped": len(paths) - len(kept),
              "filter_failed_batches": failed}
    return {"kept": kept, "counts": counts, "usage": usage.as_dict()}


def merge_node(state: BuildState, deps: BuilderDeps) -> dict[str, Any]:
    """Grow the base tree with the kept paths and merge similar siblings level by level."""
    categories = assemble.base_nodes(deps.base)
    added = assemble.add_paths(categories, state.get("kept", []))
    usage, vetoed = Usage(), 0

    def confirm(parent: str, a: str, b: str) -> bool:
        nonlocal vetoed
        try:
            same = same_attribute(deps.model, parent, a, b, deps.structured_method, usage)
        except DeepPersonaError:
            same = False  # unsure: keep both
        vetoed += not same
        return same

    merges = assemble.merge_new(categories, deps.embeddings, deps.threshold,
                                confirm=confirm if deps.confirm_merges else None)
    return {"categories": categories, "usage": usage.as_dict(),
            "counts": {"paths_added": added, "similar_merged": merges, "merges_vetoed": vetoed}}


def refilter_node(state: BuildState, deps: BuilderDeps) -> dict[str, Any]:
    """Second filter: exact duplicates and broken parent-child links."""
    categories = state["categories"]
    for cat in categories:
        assemble.merge_exact(cat)
    removed = assemble.repair(categories)
    return {"categories": categories, "counts": {"repaired_removed": removed}}


def describe_node(state: BuildState, deps: BuilderDeps) -> dict[str, Any]:
    """Give every new leaf a value type and a description, then format the tree."""
    categories = state["categories"]
    fresh = assemble.new_leaves(categories)
    batches = [fresh[i : i + DESCRIBE_BATCH] for i in range(0, len(fresh), DESCRIBE_BATCH)]
    values, usage, failed = run_items(
        deps, "describe", batches, lambda b: "|".join(SEP.join(p) for p, _ in b),
        lambda b, u: describe_leaves(deps.model, [p for p, _ in b], deps.structured_method, u), lambda r: r)
    for batch in batches:
        specs = values.get("|".join(SEP.join(p) for p, _ in batch), {})
        for path, node in batch:
            spec = specs.get(SEP.join(path)) or {}
            kind = spec.get("type", "text")
            node["description"] = str(spec.get("description") or f"The person's {node['name'].lower()}")[:140]
            if kind == "number" and spec.get("unit"):
                node.update(type="number", unit=spec["unit"])
            elif kind == "category" and len({o.lower() for o in spec.get("options") or []}) >= 2:
                node.update(type="category", options=list(dict.fromkeys(spec["options"]))[:12])
            elif kind in ("list", "boolean"):
                node["type"] = kind
            else:
                node["type"] = "text"
    return {"categories": categories, "usage": usage.as_dict(),
            "counts": {"new_leaves": len(fresh), "describe_failed": failed}}


def conditions_node(state: BuildState, deps: BuilderDeps) -> dict[str, Any]:
    """With ``infer_conditions``, give new leaves their ``applies_if``; then format the tree.

    Leaves of the base tree keep the conditions they had; new leaves that apply to everyone get none.
    """
    categories = state["categories"]
    usage, counts = Usage(), {}
    if deps.infer_conditions:
        fresh = assemble.new_leaves(categories)
        batches = [fresh[i : i + CONDITIONS_BATCH] for i in range(0, len(fresh), CONDITIONS_BATCH)]
        values, usage, failed = run_items(
            deps, "conditions", batches, lambda b: "|".join(SEP.join(p) for p, _ in b),
            lambda b, u: classify_conditions(deps.model, [(tuple(p), n.get("description", "")) for p, n in b],
                                             deps.structured_method, u), lambda r: r)
        found = 0
        for batch in batches:
            answer = values.get("|".join(SEP.join(p) for p, _ in batch), {})
            for path, node in batch:
                if SEP.join(path) in answer:
                    node["applies_if"] = answer[SEP.join(path)]
                    found += 1
        counts = {"conditional_new_leaves": found, "conditions_failed": failed}
    version = deps.version or (f"{deps.base.version}+grown" if deps.base else "0.1.0")
    tree = {"name": deps.base.name if deps.base else "Human-Attribute Tree", "version": version,
            "categories": [assemble.strip_marks(c) for c in categories]}
    return {"tree": tree, "usage": usage.as_dict(), "counts": counts}


STAGES = (("load", load_node), ("classify", classify_node), ("extract", extract_node), ("filter", filter_node),
          ("merge", merge_node), ("refilter", refilter_node), ("describe", describe_node),
          ("conditions", conditions_node))


def create_taxonomy_builder(deps: BuilderDeps) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The compiled Stage-1 graph bound to ``deps``."""
    graph = StateGraph(BuildState)
    add_chain(graph, STAGES, deps)
    return graph.compile(name="taxonomy_builder")


@dataclass
class BuildReport:
    """The result of a build."""

    tree: AttributeTree
    counts: dict[str, int]
    bad_lines: list[tuple[int, str]]
    usage: dict[str, int]


def build_taxonomy(input_path: str | Path, deps: BuilderDeps) -> BuildReport:
    """Run the whole Stage-1 graph on a JSONL file and return the validated tree and counts."""
    out = create_taxonomy_builder(deps).invoke({"input_path": str(input_path)})
    if not out["tree"]["categories"]:
        counts = ", ".join(f"{k}={v}" for k, v in out.get("counts", {}).items())
        raise GenerationError("describe", f"the build found no personal attributes ({counts}); check the input "
                                          "and the model (failures are counted per stage)")
    tree = AttributeTree.from_dict(out["tree"], "built tree")
    return BuildReport(tree, out.get("counts", {}), out.get("bad_lines", []), out.get("usage", {}))
