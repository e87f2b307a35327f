"""Node 8 — summarize: a short narrative of the whole persona, then the finished record.

Concise by default (about 150-250 words; the paper found concise summaries serve downstream
prompts better than long ones); ``summary_style="detailed"`` allows up to about 600 words.
"""

from __future__ import annotations

import uuid
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np
from langgraph.runtime import Runtime
from pydantic import BaseModel, Field

from deeppersona_agents.caching import load_once
from deeppersona_agents.generation.anchor import CORE_FIELDS
from deeppersona_agents.generation.capacity import CORE_PATHS
from deeppersona_agents.generation.deps import PersonaDeps
from deeppersona_agents.generation.leaf_values import shown
from deeppersona_agents.generation.profile import profile_text, run_config, stage, trim_words
from deeppersona_agents.generation.select_attributes import core_profile
from deeppersona_agents.generation.state import PersonaState
from deeppersona_agents.llm import chat_model_name, embeddings_name
from deeppersona_agents.persona import Persona
from deeppersona_agents.usage import add_usage

LIMITS = {"concise": 250, "detailed": 600}  # words at most; longer answers are cut at a sentence end
SUMMARY_ATTRIBUTES = 20  # as many telling details as a 250-word portrait can use


@load_once  # one class per style: a new class per persona would miss every schema cache
def _summary_schema(style: str) -> type[BaseModel]:
    words = LIMITS[style]

    class Summary(BaseModel):
        summary: str = Field(min_length=80, description=f"at most {words} words, third person")

    return Summary


def _highlights(state: PersonaState, deps: PersonaDeps, n: int) -> list[str]:
    """The ``n`` filled attributes most relevant to the person: leaf vectors nearest the core profile."""
    attrs = [a for a in state.get("attributes", []) if a["path"] in deps.tree]
    if not attrs:
        return []
    core = np.asarray(deps.embeddings.embed_query(core_profile(state)), np.float32)
    indices = [deps.tree.index(a["path"]) for a in attrs]
    rows = np.asarray(indices)
    top = np.sort(np.argsort(-(deps.leaf_vectors[rows] @ core), kind="stable")[:n])
    leaves = [deps.tree.leaves[r] for r in indices]
    return [f"- {leaves[i].path[-1]}: {shown(leaves[i], attrs[i]['value'])}" for i in top.tolist()]


@load_once
def _package_version() -> str:
    try:
        return version("deeppersona-agents")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+source"


def persona_id(seed: int, state: PersonaState) -> str:
    """Deterministic id from the seed and what the caller gave."""
    key = f"{seed}|{sorted((state.get('anchors') or {}).items())}|{state.get('bio', '')}|{state.get('country', '')}"
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "deeppersona:" + key))


def assemble_persona(state: PersonaState, deps: PersonaDeps, runtime: Runtime | None) -> Persona:
    """Build the validated :class:`Persona` record from a finished state."""
    seed = int(state.get("seed", 0))
    core = state["core"]
    sources = state["core_sources"]
    core_attrs = [
        {"path": CORE_PATHS[f], "value": core[f] if f != "country" else core.get("country_name", core[f]),
         "stratum": None, "provenance": sources[f]}
        for f in CORE_FIELDS
    ]
    anchors = {k: str(v) for k, v in (state.get("anchors") or {}).items()}
    if state.get("bio"):
        anchors["bio"] = state["bio"]
    if state.get("country"):
        anchors.setdefault("country", state["country"])
    usage = state.get("usage", {})
    return Persona.model_validate({
        "id": persona_id(seed, state),
        "seed": seed,
        "anchors": anchors,
        "core": {**{f: core[f] for f in CORE_FIELDS}, "demographics": dict(core.get("demographics") or {})},
        "values": state["values"],
        "value_tone": state["value_tone"],
        "attitude": state["attitude"],
        "stories": state["stories"],
        "facts": state.get("facts", []),
        "hobbies": state["hobbies"],
        "attributes": core_attrs + list(state.get("anchor_attributes", [])) + list(state.get("attributes", [])),
        "summary": state["summary"],
        "manifest": {
            "package_version": _package_version(),
            "tree_version": deps.tree.version,
            "tree_hash": deps.tree.content_hash,
            "model": chat_model_name(deps.model),
            "embeddings": embeddings_name(deps.embeddings),
            # the cache folder is machine-local and never changes the person: kept out of the record
            # (population manifests and resume fingerprints still carry it)
            "config": run_config(state, deps).model_dump(mode="json", exclude={"cache_dir"}),
            "llm_calls": usage.get("llm_calls", 0),
            "calls_cached": usage.get("calls_cached", 0),
            "prompt_tokens": usage.get("prompt_tokens", 0),
            "completion_tokens": usage.get("completion_tokens", 0),
            "consistency": state.get("consistency") or {},
            "not_applicable": state.get("not_applicable", []),
        },
    })


def summarize_node(state: PersonaState, runtime: Runtime, deps: PersonaDeps) -> dict[str, Any]:
    """Write the summary and return the finished persona record."""
    with stage(runtime, "summarize", deps, state) as run:
        words = LIMITS[run.config.summary_style]
        prompt = (
            f"{profile_text(state)}\n\nThe details most telling about them:\n"
            + "\n".join(_highlights(state, deps, SUMMARY_ATTRIBUTES))
            + f"\n\nWrite a portrait of this person in at most {words} words, third person, as a profile a "
            "novelist or researcher would keep: who they are, what drives them, how they live, their "
            "contradictions. Use the details above; add nothing that contradicts them."
        )
        run.update["summary"] = trim_words(run.ask(_summary_schema(run.config.summary_style), prompt).summary, words)
    final: PersonaState = {
        **state,
        "summary": run.update["summary"],
        "usage": add_usage(state.get("usage"), run.update["usage"]),
    }
    run.update["persona"] = assemble_persona(final, deps, runtime).model_dump(mode="json")
    return run.update
