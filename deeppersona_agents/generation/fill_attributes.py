"""Node 7 — fill_attributes: give every selected leaf a typed value, batch by batch.

Batches follow the selection's strata (near, mid, far) and, inside them, the tree's categories,
so one call sees related attributes. Each batch sees the full profile (core, the fact ledger,
the whole life stories) plus the earlier values most related to it (by leaf-vector similarity).
A value may be ``null`` when the attribute does not apply to the person; such a leaf is swapped
for another leaf of its stratum in the next round, so exactly k applicable values are delivered.
Missing or unusable values are asked for again; a persona that still lacks any of its k values
fails loudly (exactly k, or a recorded failure).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any

import numpy as np
from langchain_core.language_models import BaseChatModel
from langgraph.runtime import Runtime

from deeppersona_agents.embedded import SchemaConstrainedChatModel
from deeppersona_agents.errors import GenerationError
from deeppersona_agents.generation.config import GenerationConfig
from deeppersona_agents.generation.deps import PersonaDeps
from deeppersona_agents.generation.leaf_values import (
    NOT_APPLICABLE,
    batch_keys,
    batch_schema,
    clean_value,
    number_hint,
    shown,
)
from deeppersona_agents.generation.profile import StageRun, current_year, emit, profile_text, stage, stage_rng
from deeppersona_agents.generation.replacement import replacement_leaves
from deeppersona_agents.generation.select_attributes import person_strata
from deeppersona_agents.generation.selection import STRATA
from deeppersona_agents.generation.state import PersonaState
from deeppersona_agents.taxonomy import Leaf


def known_lines(filled: dict[int, Any], batch: list[int], deps: PersonaDeps, limit: int,
                skip: set[int]) -> list[str]:
    """The earlier values most related to ``batch`` (cosine of leaf vectors); ``skip``: already in the profile."""
    earlier = np.fromiter((i for i in filled if i not in skip), dtype=int)
    if not len(earlier) or limit == 0:
        return []
    centre = deps.leaf_vectors[batch].mean(axis=0)
    scores = deps.leaf_vectors[earlier] @ centre
    keep = earlier[np.argsort(-scores, kind="stable")[:limit]]
    leaves = deps.tree.leaves
    return [f"- {leaves[i].path[-1]}: {shown(leaves[i], filled[int(i)])}" for i in sorted(keep)]


def numbered_keys(config: GenerationConfig, model: BaseChatModel) -> bool:
    """Whether fill schemas use numbered keys: the config's choice, else yes for remote models (see the config)."""
    if config.numbered_keys is not None:
        return config.numbered_keys
    # a constrained model that stands for a remote one (the estimator's dry run) gets what the remote one gets
    return not isinstance(model, SchemaConstrainedChatModel) or bool(getattr(model, "remote", False))


def names_topic(leaf: Leaf) -> bool:
    """Whether the leaf's name already names its topic (shares a word with it): the topic need not be shown."""
    def stems(text: str) -> set[str]:
        return {w[:5].lower() for w in re.findall(r"[A-Za-z]{4,}", text)}

    return bool(stems(leaf.path[-1]) & stems(leaf.path[-2]))


def ask_values(run: StageRun, state: PersonaState, batch: list[int], known: list[str],
               notes: dict[int, str] | None = None) -> dict[int, Any]:
    """One fill call for the leaves ``batch``: each leaf's cleaned value, NOT_APPLICABLE, or None (unusable).

    ``notes`` (leaf -> text) is shown beside a leaf, e.g. why its earlier value contradicted the person.
    """
    tree = run.deps.tree
    leaves = [tree.leaves[i] for i in batch]
    numbered = numbered_keys(run.config, run.deps.model)
    keys = batch_keys(leaves, numbered)
    age, year = int(state["core"]["age"]), current_year(state)
    lines, category = [], None
    for i, key, leaf in zip(batch, keys, leaves, strict=True):  # batches run category by category
        if leaf.path[0] != category:
            category = leaf.path[0]
            lines.append(f"{category}:")
        note = f" {notes[i]}" if notes and i in notes else ""
        hint = f" ({number_hint(leaf, age, year)})" if leaf.type == "number" else ""
        topic = "" if names_topic(leaf) else f" [{leaf.path[-2]}]"
        lines.append(f"{key}: {leaf.path[-1]}{topic}{hint}{note}" if numbered else f"- {key}{topic}{hint}{note}")
    items = "\n".join(lines)
    extra = ("\n\nAlready established about them:\n" + "\n".join(known)) if known else ""
    prompt = (
        f"{profile_text(state)}{extra}\n\n"
        "Give this person's value for each attribute below, listed by category as: "
        f"{'JSON key: attribute' if numbered else 'JSON key'} [topic] (unit and range of a number); the response "
        "schema gives each value's kind and choices. Every value must agree with everything above (the user's "
        f"data first, then the fixed facts and stories; ages and dates as of {year}) and be specific to this "
        "individual and plausible for their age, country and work; unflattering or unusual answers are welcome. "
        "Texts: a short phrase or one sentence. Answer null when an attribute does not apply to them at all (a "
        "child's school for someone without children), never 'none' or 'not applicable'.\n\n"
        f"{items}"
    )
    answer = run.ask(batch_schema(leaves, keys, age, year), prompt)
    return {i: clean_value(answer.get(key), leaf, age, year) for i, leaf, key in zip(batch, leaves, keys, strict=True)}


def batches(order: list[int], size: int) -> list[list[int]]:
    """``order`` cut into the fewest batches of at most ``size``, as even as possible (order kept)."""
    if not order:
        return []
    return [list(map(int, b)) for b in np.array_split(np.asarray(order), math.ceil(len(order) / size))]


#: A leaf still without a usable value after this many asks is swapped for another of its stratum.
UNUSABLE_TWICE = 2


def fill_attributes_node(state: PersonaState, runtime: Runtime, deps: PersonaDeps) -> dict[str, Any]:
    """Fill the selected attributes progressively; swap leaves that do not apply."""
    with stage(runtime, "fill_attributes", deps, state) as run:
        cfg = run.config
        tree = deps.tree
        selected = state.get("selected", [])
        stratum = {tree.index(s["path"]): s["stratum"] for s in selected}
        quota = Counter(stratum.values())
        cats = tree.category_index
        order = sorted(stratum, key=lambda i: (STRATA.index(stratum[i]), int(cats[i]), i))
        filled: dict[int, Any] = {}
        for a in state.get("anchor_attributes", []):
            if a["path"] in tree:
                filled[tree.index(a["path"])] = a["value"]
        anchored = set(filled)
        wanted = set(order)
        not_applicable: list[int] = []
        strata: dict[str, np.ndarray] | None = None
        rng = stage_rng(state, "fill_attributes")
        pending = list(order)
        asked: Counter[int] = Counter()
        for _round in range(cfg.attempts + UNUSABLE_TWICE):  # a swapped-in leaf gets its own two asks
            for batch in batches(pending, cfg.batch_size):
                asked.update(batch)
                known = known_lines(filled, batch, deps, cfg.context_attributes, anchored)
                for i, value in ask_values(run, state, batch, known).items():
                    if value is NOT_APPLICABLE:
                        not_applicable.append(i)
                        wanted.discard(i)
                    elif value is not None:
                        filled[i] = value
                emit(runtime, stage="fill_attributes", done=len(wanted & filled.keys()), total=len(selected))
            for i in [i for i in wanted if i not in filled and asked[i] >= UNUSABLE_TWICE]:
                not_applicable.append(i)  # asked twice without a usable value: swapped like a leaf that does not apply
                wanted.discard(i)
            short = quota - Counter(stratum[i] for i in wanted)
            if short:  # swap leaves that do not apply (or cannot be filled) for others of the same stratum
                strata = strata or person_strata(state, deps, cfg)
                for name, n in short.items():
                    for j in replacement_leaves(tree, strata[name].tolist(), stratum.keys() | anchored, n, rng):
                        stratum[j] = name
                        wanted.add(j)
                        order.append(j)
            pending = [i for i in order if i in wanted and i not in filled]
            if not pending:
                break
        done = [i for i in order if i in wanted and i in filled]
        if len(done) < len(selected):
            missing = next((tree.keys[i] for i in order if i in wanted and i not in filled), "none left to swap in")
            raise GenerationError(
                "fill_attributes",
                f"only {len(done)} of the {len(selected)} attributes got a usable value after "
                f"{cfg.attempts + UNUSABLE_TWICE} rounds (first missing: {missing}); try a stronger model, a smaller "
                "batch_size or more attempts", param=("batch_size", "attempts"),
            )
        run.update["attributes"] = [
            {"path": tree.keys[i], "value": filled[i], "stratum": stratum[i], "provenance": "llm"}
            for i in sorted(done, key=lambda i: (STRATA.index(stratum[i]), int(cats[i]), i))
        ]
        run.update["not_applicable"] = [tree.keys[i] for i in not_applicable]
    return run.update
