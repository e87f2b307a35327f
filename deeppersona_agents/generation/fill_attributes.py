"""Node 7 — fill_attributes: give every selected leaf a typed value, batch by batch.

Each batch sees the compact profile (core, values, attitude, hobbies, story gists) plus the
earlier values most related to the batch (by leaf-vector similarity, no extra embedding calls),
so prompts stay small however deep the persona grows. Missing or placeholder values are asked
for again; a persona that still lacks any of its k values fails loudly (exactly k, or a recorded
failure: no persona is stored with fewer).
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import numpy as np
from langgraph.runtime import Runtime

from deeppersona_agents.errors import GenerationError
from deeppersona_agents.generation.deps import PersonaDeps
from deeppersona_agents.generation.profile import emit, profile_text, stage
from deeppersona_agents.generation.state import PersonaState
from deeppersona_agents.persona import format_value
from deeppersona_agents.taxonomy import Leaf
from deeppersona_agents.taxonomy.tree import SEP

TEXT_CHARS = 100  # a phrase or one short sentence; also keeps constrained decoding fast
ITEM_CHARS = 50
MAX_ITEMS = 5
PLACEHOLDERS = {"", "n/a", "na", "unknown", "not specified", "unspecified", "tbd", "null", "none given",
                "...", "value", "-", "?", "xxx", "placeholder", "not applicable"}


def value_schema(leaf: Leaf) -> dict[str, Any]:
    """JSON schema of one leaf's value."""
    if leaf.type == "number":
        return {"type": "number"}
    if leaf.type == "boolean":
        return {"type": "boolean"}
    if leaf.type == "category" and leaf.options:
        return {"type": "string", "enum": list(leaf.options)}
    if leaf.type == "list":
        item = {"type": "string", "minLength": 1, "maxLength": ITEM_CHARS}
        return {"type": "array", "items": item, "minItems": 1, "maxItems": MAX_ITEMS}
    return {"type": "string", "minLength": 1, "maxLength": TEXT_CHARS}


def batch_keys(leaves: list[Leaf]) -> list[str]:
    """JSON keys for a batch: the leaf's own name, prefixed by its parent where names repeat.

    Descriptive keys matter for constrained decoders: the key the decoder writes is the cue for
    the value that follows.
    """
    names = [leaf.path[-1] for leaf in leaves]
    name_counts = Counter(names)
    keys = [f"{leaf.path[-2]} - {n}" if name_counts[n] > 1 else n for leaf, n in zip(leaves, names, strict=True)]
    key_counts = Counter(keys)
    return [k if key_counts[k] == 1 else f"{k} ({i})" for i, k in enumerate(keys, 1)]


def batch_schema(leaves: list[Leaf], keys: list[str] | None = None) -> dict[str, Any]:
    """JSON schema of one fill call: one required property per leaf, keyed by :func:`batch_keys`.

    A plain dict (not a pydantic class) so each value is validated on its own by
    :func:`clean_value`: one bad value is asked for again instead of failing the whole batch.
    """
    keys = keys or batch_keys(leaves)
    return {
        "title": "AttributeValues",
        "description": "values of the listed attributes for this person",
        "type": "object",
        "properties": {k: value_schema(leaf) for k, leaf in zip(keys, leaves, strict=True)},
        "required": keys,
        "additionalProperties": False,
    }


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-") or text[:limit]


def clean_value(value: Any, leaf: Leaf) -> Any | None:
    """The value coerced to the leaf's type, or ``None`` when unusable (wrong type, empty, placeholder)."""
    if value is None:
        return None
    if leaf.type == "number":
        if isinstance(value, bool):
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None
        return number if math.isfinite(number) else None
    if leaf.type == "boolean":
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        return {"yes": True, "true": True, "no": False, "false": False}.get(word)
    if leaf.type == "category" and leaf.options:
        lookup = {o.lower(): o for o in leaf.options}
        return lookup.get(str(value).strip().lower())
    if leaf.type == "list":
        items = value if isinstance(value, list) else [value]
        kept = [_shorten(str(v).strip(), ITEM_CHARS) for v in items if str(v).strip().lower() not in PLACEHOLDERS]
        return kept[:MAX_ITEMS] or None
    if isinstance(value, dict | list):
        return None
    text = str(value).strip()
    if text.lower().strip(".") in PLACEHOLDERS or text.lower() == leaf.path[-1].lower():
        return None
    return _shorten(text, 2 * TEXT_CHARS)


def _known_lines(filled: dict[int, Any], batch: list[int], deps: PersonaDeps, limit: int,
                 skip: set[int]) -> list[str]:
    """The earlier values most related to ``batch`` (cosine of leaf vectors); ``skip``: already in the profile."""
    earlier = np.fromiter((i for i in filled if i not in skip), dtype=int)
    if not len(earlier) or limit == 0:
        return []
    centre = deps.leaf_vectors[batch].mean(axis=0)
    scores = deps.leaf_vectors[earlier] @ centre
    keep = earlier[np.argsort(-scores, kind="stable")[:limit]]
    return [f"- {deps.tree.keys[i]}: {format_value(filled[int(i)])}" for i in sorted(keep)]


def _prompt(state: PersonaState, known: list[str], leaves: list[Leaf], keys: list[str]) -> str:
    items = "\n".join(  # the key already names the leaf; its parent path gives the context
        f"- {key} [{SEP.join(leaf.path[:-1])}] ({leaf.type_hint()})"
        for key, leaf in zip(keys, leaves, strict=True)
    )
    extra = ("\n\nAlready established about them:\n" + "\n".join(known)) if known else ""
    return (
        f"{profile_text(state)}{extra}\n\n"
        "Give this person's value for each attribute below (JSON key [where it belongs] (kind of value)). "
        "Every value must fit "
        "everything above, be specific to this individual and plausible for their age, country and work; "
        "unflattering or unusual answers are welcome. Texts are a short phrase or one sentence.\n\n"
        f"{items}"
    )


def fill_attributes_node(state: PersonaState, runtime: Runtime, deps: PersonaDeps) -> dict[str, Any]:
    """Fill the selected attributes progressively."""
    with stage(runtime, "fill_attributes", deps, state) as run:
        cfg = run.config
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
                known = _known_lines(filled, batch, deps, cfg.context_attributes, anchored)
                keys = batch_keys(leaves)
                answer = run.ask(batch_schema(leaves, keys), _prompt(state, known, leaves, keys))
                for i, leaf, key in zip(batch, leaves, keys, strict=True):
                    value = clean_value(answer.get(key), leaf)
                    if value is None:
                        missing.append(i)
                    else:
                        filled[i] = value
                emit(runtime, stage="fill_attributes", done=len(filled) - len(anchored), total=len(order))
            pending = missing
            if not pending:
                break
        done = [i for i in order if i in filled]
        if len(done) < len(order):
            first = tree.keys[next(i for i in order if i not in filled)]
            raise GenerationError(
                "fill_attributes",
                f"only {len(done)} of the {len(order)} attributes got a usable value after {cfg.attempts} rounds "
                f"(first missing: {first}); try a stronger model, a smaller --batch-size or more attempts",
            )
        run.update["attributes"] = [
            {"path": tree.keys[i], "value": filled[i], "stratum": stratum[i], "provenance": "llm"} for i in done
        ]
    return run.update
