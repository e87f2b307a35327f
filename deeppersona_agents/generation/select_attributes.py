"""Node 6 — select_attributes: choose k tree leaves around the core (near / mid / far, 5:3:2).

No LLM call: the person's facts (core, later the fact ledger) keep only the leaves that apply to
them, then one embedding of the profile so far, cosine similarity to the precomputed leaf
vectors, and :func:`~deeppersona_agents.generation.selection.select_leaves`. :func:`person_strata`
gives the same ranked, condition-filtered strata to the stages that swap not-applicable leaves.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from langgraph.runtime import Runtime

from deeppersona_agents.generation.capacity import CORE_PATHS
from deeppersona_agents.generation.config import GenerationConfig
from deeppersona_agents.generation.deps import PersonaDeps
from deeppersona_agents.generation.profile import run_config, stage_rng, timed
from deeppersona_agents.generation.selection import STRATA, ranked_strata, select_leaves
from deeppersona_agents.generation.state import PersonaState
from deeppersona_agents.generation.stories import CHILD, PERSON_FACT
from deeppersona_agents.taxonomy.conditions import PersonFacts


def core_profile(state: PersonaState) -> str:
    """The core attributes the strata are measured against: who, where, values, hobbies."""
    core = state["core"]
    return (
        f"{core['age']}-year-old {core['gender']} {core['occupation']} in {core['city']}, "
        f"{core.get('country_name', core['country'])}. Values: {state.get('values', '')} "
        f"Hobbies: {', '.join(state.get('hobbies', []))}."
    )


#: Ledger relations that mean a partner now, or one in the past.
PARTNER_NOW = re.compile(r"\b(husband|wife|spouse|partner|fianc[eé]e?|boyfriend|girlfriend)\b", re.I)
PARTNER_BEFORE = re.compile(r"\b(ex-?(husband|wife|partner|spouse|boyfriend|girlfriend)|late (husband|wife))\b", re.I)


def person_facts(state: PersonaState) -> PersonFacts:
    """What selection knows about the person: the anchored core plus the people the stories' ledger names.

    A child in the ledger means children; a current partner means a partner now, a former or late one
    a partner in the past (the core's marital status still decides when the ledger is silent).
    """
    relations = [m.group("relation") for f in state.get("facts", []) if f.get("kind") == "person"
                 for m in [PERSON_FACT.search(str(f.get("text", "")))] if m]
    children = True if any(CHILD.search(r) for r in relations) else None
    if any(PARTNER_BEFORE.search(r) for r in relations):
        partner = None if any(PARTNER_NOW.search(r) and not PARTNER_BEFORE.search(r) for r in relations) else "had"
    else:
        partner = None
    if any(PARTNER_NOW.search(r) and not PARTNER_BEFORE.search(r) for r in relations):
        partner = "has"
    return PersonFacts.from_core(state["core"], children=children, partner=partner)


def _selection_inputs(state: PersonaState, deps: PersonaDeps) -> tuple[np.ndarray, frozenset[str], PersonFacts]:
    """The core vector, the paths already taken (core, anchors) and the person's facts."""
    core_vec = np.asarray(deps.embeddings.embed_query(core_profile(state)), np.float32)
    core_vec /= max(float(np.linalg.norm(core_vec)), 1e-12)
    taken = frozenset(CORE_PATHS.values()) | {a["path"] for a in state.get("anchor_attributes", [])}
    return core_vec, taken, person_facts(state)


def person_strata(state: PersonaState, deps: PersonaDeps, config: GenerationConfig) -> dict[str, np.ndarray]:
    """The near / mid / far strata this person's selection drew from (ranked, only leaves that apply).

    ``fill_attributes`` and ``review`` draw replacements for not-applicable leaves from them.
    """
    core_vec, taken, facts = _selection_inputs(state, deps)
    return ranked_strata(deps.tree, deps.leaf_vectors, core_vec, include=config.include_categories,
                         exclude=config.exclude_categories, taken=taken, facts=facts)


def select_attributes_node(state: PersonaState, runtime: Runtime, deps: PersonaDeps) -> dict[str, Any]:
    """Pick exactly k distinct leaves, stratified by similarity to the core."""
    update: dict[str, Any] = {}
    cfg = run_config(state, deps)
    with timed(runtime, "select_attributes"):
        core_vec, taken, facts = _selection_inputs(state, deps)
        picks = select_leaves(
            deps.tree, deps.leaf_vectors, core_vec, cfg.attributes, stage_rng(state, "select_attributes"),
            ratio=cfg.strata_ratio, include=cfg.include_categories, exclude=cfg.exclude_categories, taken=taken,
            facts=facts,
        )
        # fill order: near first (it anchors coherence), then mid and far; tree order inside a stratum
        picks.sort(key=lambda p: (STRATA.index(p[1]), p[0]))
        update["selected"] = [{"path": deps.tree.keys[i], "stratum": s} for i, s in picks]
    return update
