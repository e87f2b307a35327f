"""Node 8 — review: find contradictions in the filled persona and write the flagged values again.

Sits between ``fill_attributes`` and ``summarize``. First the rule checks (:mod:`.rules`, no model
call); then, when review is on, one model call that reads the core, the fact ledger (which stands
for the life stories: people, places, dated events, employer, schools), the hobbies and every value
and lists contradictions as (value, reason). The flagged LLM values are written
again in one batch that states each contradiction (at most two extra calls in all). A flagged
leaf that turns out not to apply is swapped for a spare of its stratum asked in the same batch,
so exactly k values remain. Contradictions in the core (table or user given) are reported, not
rewritten. The result goes to the manifest as ``consistency: {found, fixed, remaining}``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.runtime import Runtime

from deeppersona_agents.embedded import SchemaConstrainedChatModel
from deeppersona_agents.generation.config import GenerationConfig
from deeppersona_agents.generation.deps import PersonaDeps
from deeppersona_agents.generation.fill_attributes import ask_values, known_lines
from deeppersona_agents.generation.leaf_values import NOT_APPLICABLE, display_names, shown
from deeppersona_agents.generation.profile import StageRun, core_text, ledger_text, stage, stage_rng
from deeppersona_agents.generation.replacement import replacement_leaves
from deeppersona_agents.generation.rules import Finding, rule_findings
from deeppersona_agents.generation.select_attributes import person_strata
from deeppersona_agents.generation.state import PersonaState
from deeppersona_agents.persona import format_value

MAX_FLAGS = 12  # values rewritten at most per persona (one batch)


def review_enabled(config: GenerationConfig, model: BaseChatModel) -> bool:
    """Whether the model review runs: the config's choice, else on for remote models, off for local decoders.

    Local schema-constrained models (the embedded 135M model) cannot judge consistency usefully.
    """
    if config.review is not None:
        return config.review
    return not isinstance(model, SchemaConstrainedChatModel)


def review_schema(n: int) -> dict[str, Any]:
    """The model review's answer: contradictions by value number, each with its reason."""
    item = {"type": "object", "additionalProperties": False, "required": ["number", "reason"], "properties": {
        "number": {"type": "integer", "minimum": 1, "maximum": n},
        "reason": {"type": "string", "minLength": 3, "maxLength": 160},
    }}
    return {"title": "Contradictions", "type": "object", "additionalProperties": False, "required": ["contradictions"],
            "properties": {"contradictions": {"type": "array", "items": item, "maxItems": MAX_FLAGS}}}


def model_findings(run: StageRun, state: PersonaState) -> list[Finding]:
    """One model call listing values that contradict the core, the ledger (the stories' facts) or each other.

    The values are numbered and grouped under their category, each by its short name (the
    category is written once, not repeated as a path on every line).
    """
    attrs = state.get("attributes", [])
    tree = run.deps.tree
    leaves = [tree.leaves[tree.index(a["path"])] for a in attrs]
    keys = display_names(leaves)
    order = sorted(range(len(attrs)), key=lambda n: leaves[n].path[0])  # stable: strata order within a category
    lines, category = [], None
    for number, n in enumerate(order, 1):
        if leaves[n].path[0] != category:
            category = leaves[n].path[0]
            lines.append(f"{category}:")
        lines.append(f"{number}. {keys[n]}: {shown(leaves[n], attrs[n]['value'])}")
    listing = "\n".join(lines)
    hobbies = f"Hobbies: {', '.join(state['hobbies'])}" if state.get("hobbies") else ""
    facts = "\n".join(part for part in (core_text(state), ledger_text(state), hobbies) if part)
    prompt = (
        f"{facts}\n\nValues written for this person, numbered, by category:\n{listing}\n\n"
        "Check these values against everything above and against each other. List each value that "
        "contradicts the user's data, the core, the fixed facts (taken from their life stories) or another "
        "value (an impossible age or date, a spouse for someone never married, a rural detail for a city "
        "dweller, a child older than possible, a job detail that does not fit the occupation): its number and "
        "the reason in one short sentence. List nothing that is merely unusual; an empty list is a fine answer."
    )
    answer = run.ask(review_schema(len(attrs)), prompt)
    out: dict[str, str] = {}  # one finding per value (a model may list a number twice)
    for item in answer.get("contradictions") or []:
        number = item.get("number")
        if isinstance(number, int) and 1 <= number <= len(attrs):
            out.setdefault(attrs[order[number - 1]]["path"], str(item.get("reason", "")).strip()[:160])
    return list(out.items())


def review_node(state: PersonaState, runtime: Runtime, deps: PersonaDeps) -> dict[str, Any]:
    """Check the filled persona; rewrite flagged values in one batch; record what was found and fixed."""
    with stage(runtime, "review", deps, state) as run:
        findings = rule_findings(state, deps.tree)
        if review_enabled(run.config, deps.model):
            ruled = {p for p, _ in findings}
            findings += [f for f in model_findings(run, state) if f[0] not in ruled]
        attrs = [dict(a) for a in state.get("attributes", [])]
        position = {a["path"]: n for n, a in enumerate(attrs)}
        flagged = [(p, r) for p, r in findings if p in position][:MAX_FLAGS]
        remaining = [f"{p}: {r}" for p, r in findings if p not in dict(flagged)]
        fixed = 0
        swapped: list[str] = []
        if flagged:
            fixed, swapped, left = _rewrite(run, state, deps, attrs, position, flagged)
            remaining += left
        run.update["attributes"] = attrs
        run.update["consistency"] = {"found": len(findings), "fixed": fixed, "remaining": remaining}
        run.update["not_applicable"] = [*state.get("not_applicable", []), *swapped]
    return run.update


def _rewrite(run: StageRun, state: PersonaState, deps: PersonaDeps, attrs: list[dict[str, Any]],
             position: dict[str, int], flagged: list[Finding]) -> tuple[int, list[str], list[str]]:
    """Ask the flagged leaves again (each with its contradiction) plus one spare per stratum involved.

    Returns (fixed count, paths swapped out as not applicable, remaining "path: reason" texts).
    """
    tree = deps.tree
    ids = [tree.index(p) for p, _ in flagged]
    notes = {i: f"— earlier answer '{format_value(attrs[position[p]]['value'])}' contradicted them: {r}; "
             "write a value that fits" for i, (p, r) in zip(ids, flagged, strict=True)}
    strata = person_strata(state, deps, run.config)
    used = {tree.index(a["path"]) for a in attrs if a["path"] in tree} | {
        tree.index(p) for p in state.get("not_applicable", []) if p in tree}
    rng = stage_rng(state, "review")
    need = Counter(attrs[position[p]]["stratum"] for p, _ in flagged)
    spares = {name: replacement_leaves(tree, strata[name].tolist(), used, n, rng) for name, n in need.items()}
    extra = [j for js in spares.values() for j in js]
    filled = {tree.index(a["path"]): a["value"] for a in attrs if a["path"] in tree}
    known = known_lines(filled, ids, deps, run.config.context_attributes, set(ids))
    values = ask_values(run, state, ids + extra, known, notes)
    fixed, swapped, left = 0, [], []
    for i, (p, r) in zip(ids, flagged, strict=True):
        value, slot = values.get(i), position[p]
        if value is NOT_APPLICABLE:
            name = attrs[slot]["stratum"]
            spare = next((j for j in spares.get(name, []) if values.get(j) not in (None, NOT_APPLICABLE)), None)
            if spare is None:
                left.append(f"{p}: {r}")
                continue
            spares[name].remove(spare)
            attrs[slot] = {**attrs[slot], "path": tree.keys[spare], "value": values[spare]}
            swapped.append(p)
            fixed += 1
        elif value is None:
            left.append(f"{p}: {r}")
        else:
            attrs[slot] = {**attrs[slot], "value": value}
            fixed += 1
    recheck = {path for path, _ in rule_findings({**state, "attributes": attrs}, tree)}
    still = [f"{p}: {r}" for p, r in flagged if p in recheck and f"{p}: {r}" not in left]
    return fixed - len(still), swapped, left + still
