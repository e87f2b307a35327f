"""Node 7 — fill_attributes: give every selected leaf a typed value, batch by batch.

Each batch sees the compact profile (core, values, attitude, hobbies, story gists) plus the
earlier values most related to the batch (by leaf-vector similarity, no extra embedding calls),
so prompts stay small however deep the persona grows. Missing or placeholder values are asked
for again; a persona with fewer than ``min_fill_ratio`` of k values fails loudly.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from langchain_core.messages import HumanMessage
from langgraph.runtime import Runtime
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model

from deeppersona_agents.errors import GenerationError
from deeppersona_agents.generation.deps import PersonaDeps
from deeppersona_agents.generation.profile import SYSTEM, emit, profile_text, run_context, timed
from deeppersona_agents.generation.state import PersonaState
from deeppersona_agents.persona import format_value
from deeppersona_agents.structured import Usage, ask_structured
from deeppersona_agents.taxonomy import Leaf

TEXT_CHARS = 100  # a phrase or one short sentence; also keeps constrained decoding fast
ITEM_CHARS = 50
PLACEHOLDERS = {"", "n/a", "na", "unknown", "not specified", "unspecified", "tbd", "null", "none given",
                "...", "value", "-", "?", "xxx", "placeholder", "not applicable"}


def value_field(leaf: Leaf) -> tuple[Any, dict[str, Any]]:
    """The pydantic type of a leaf's value and its ``Field`` constraints."""
    if leaf.type == "number":
        return float, {}
    if leaf.type == "boolean":
        return bool, {}
    if leaf.type == "category" and leaf.options:
        return Literal[leaf.options], {}  # type: ignore[valid-type]
    if leaf.type == "list":
        item = Annotated[str, StringConstraints(min_length=1, max_length=ITEM_CHARS)]
        return list[item], {"min_length": 1, "max_length": 5}  # type: ignore[valid-type]
    return str, {"min_length": 1, "max_length": TEXT_CHARS}


def batch_keys(leaves: list[Leaf]) -> list[str]:
    """JSON keys for a batch: the leaf's own name, prefixed by its parent where names repeat.

    Descriptive keys matter for constrained decoders: the key the decoder writes is the cue for
    the value that follows.
    """
    names = [leaf.path[-1] for leaf in leaves]
    keys = [f"{leaf.path[-2]} - {n}" if names.count(n) > 1 else n for leaf, n in zip(leaves, names, strict=True)]
    return [k if keys.count(k) == 1 else f"{k} ({i})" for i, k in enumerate(keys, 1)]


def batch_schema(leaves: list[Leaf]) -> type[BaseModel]:
    """One required field per leaf; fields a1..aN, serialised under the keys of :func:`batch_keys`."""
    fields = {}
    for i, (leaf, key) in enumerate(zip(leaves, batch_keys(leaves), strict=True), 1):
        kind, constraints = value_field(leaf)
        fields[f"a{i}"] = (kind, Field(alias=key, **constraints))
    return create_model("AttributeValues", __config__=ConfigDict(populate_by_name=True), **fields)  # type: ignore[call-overload]


def clean_value(value: Any, leaf: Leaf) -> Any | None:
    """The value if usable, else ``None`` (empty, placeholder, non-finite, echo of the attribute name)."""
    if isinstance(value, bool) or leaf.type == "category":
        return value
    if isinstance(value, float | int):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, list):
        items = [str(v).strip() for v in value if str(v).strip().lower() not in PLACEHOLDERS]
        return items or None
    text = str(value).strip()
    if text.lower().strip(".") in PLACEHOLDERS or text.lower() == leaf.path[-1].lower():
        return None
    return text


def _known_lines(filled: dict[int, Any], batch: list[int], deps: PersonaDeps, limit: int) -> list[str]:
    """The earlier values most related to ``batch`` (cosine of leaf vectors)."""
    if not filled or limit == 0:
        return []
    earlier = np.fromiter(filled, dtype=int)
    centre = deps.leaf_vectors[batch].mean(axis=0)
    scores = deps.leaf_vectors[earlier] @ centre
    keep = earlier[np.argsort(-scores, kind="stable")[:limit]]
    return [f"- {deps.tree.leaves[i].key}: {format_value(filled[int(i)])}" for i in sorted(keep)]


def _prompt(state: PersonaState, known: list[str], leaves: list[Leaf]) -> str:
    items = "\n".join(
        f"- {key}: {leaf.key} ({leaf.type_hint()})" for key, leaf in zip(batch_keys(leaves), leaves, strict=True)
    )
    extra = ("\n\nAlready established about them:\n" + "\n".join(known)) if known else ""
    return (
        f"{profile_text(state)}{extra}\n\n"
        "Give this person's value for each attribute below (JSON key: attribute). Every value must fit "
        "everything above, be specific to this individual and plausible for their age, country and work; "
        "unflattering or unusual answers are welcome. Texts are a short phrase or one sentence.\n\n"
        f"{items}"
    )


def fill_attributes_node(state: PersonaState, runtime: Runtime, deps: PersonaDeps) -> dict[str, Any]:
    """Fill the selected attributes progressively."""
    update: dict[str, Any] = {}
    usage = Usage()
    cfg = run_context(runtime).config
    with timed(runtime, "fill_attributes", update):
        tree = deps.tree
        selected = state.get("selected", [])
        order = [tree.index(s["path"]) for s in selected]
        stratum = {tree.index(s["path"]): s["stratum"] for s in selected}
        filled: dict[int, Any] = {}
        for a in state.get("anchor_attributes", []):
            if a["path"] in tree:
                filled[tree.index(a["path"])] = a["value"]
        anchored = set(filled)
        pending = list(order)
        for _round in range(cfg.attempts):
            missing: list[int] = []
            for start in range(0, len(pending), cfg.batch_size):
                batch = pending[start : start + cfg.batch_size]
                leaves = [tree.leaves[i] for i in batch]
                known = _known_lines(filled, batch, deps, cfg.context_attributes)
                answer = ask_structured(
                    deps.model, batch_schema(leaves), [SYSTEM, HumanMessage(_prompt(state, known, leaves))],
                    stage="fill_attributes", method=cfg.structured_method, attempts=cfg.attempts, usage=usage,
                )
                for n, (i, leaf) in enumerate(zip(batch, leaves, strict=True), 1):
                    value = clean_value(getattr(answer, f"a{n}", None), leaf)
                    if value is None:
                        missing.append(i)
                    else:
                        filled[i] = value
                emit(runtime, stage="fill_attributes", done=len(filled) - len(anchored), total=len(order))
            pending = missing
            if not pending:
                break
        done = [i for i in order if i in filled]
        if len(done) < cfg.min_fill_ratio * len(order):
            raise GenerationError(
                "fill_attributes",
                f"only {len(done)} of {len(order)} attributes got a usable value after {cfg.attempts} rounds "
                f"(need {cfg.min_fill_ratio:.0%}); try a stronger model or a smaller --batch-size",
            )
        update["attributes"] = [
            {"path": tree.leaves[i].key, "value": filled[i], "stratum": stratum[i], "provenance": "llm"} for i in done
        ]
        update["usage"] = usage.as_dict()
    return update
