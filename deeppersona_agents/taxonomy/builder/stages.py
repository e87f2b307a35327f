"""The LLM steps of Stage 1, one function each.

Classify a Q&A pair, extract attribute paths, judge candidate paths, describe new leaves.
Prompts are ours; schemas are pydantic.
"""

from __future__ import annotations

from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from deeppersona_agents.structured import Usage, ask_structured
from deeppersona_agents.taxonomy.builder.inputs import QAPair
from deeppersona_agents.taxonomy.tree import CATEGORIES, SEP

Label = Literal["non_personalizable", "partially_personalizable", "personalizable"]
SYSTEM = SystemMessage(
    "You help build a taxonomy of human attributes: general properties of a person (habits, traits, "
    "circumstances, preferences, history) that differ between people. Reply only with the JSON requested."
)
_CUT = 1500  # characters of question/answer shown to the model


class PairLabel(BaseModel):
    """Whether a good answer needs personal facts about the asker."""

    rationale: str = Field(description="one or two sentences of reasoning, written first")
    label: Label


def classify_pair(model: BaseChatModel, pair: QAPair, structured_method: str, usage: Usage) -> PairLabel:
    """Label a pair non-personalizable / partially / personalizable, with a rationale."""
    prompt = (
        "Would the best answer to this request differ depending on who is asking, i.e. on facts about the "
        "asker such as their situation, background, tastes, health, job, relationships or values?\n"
        "- personalizable: a good answer clearly depends on such facts\n"
        "- partially_personalizable: personal facts would improve the answer but are not essential\n"
        "- non_personalizable: the answer is the same for everyone (facts, code, definitions)\n\n"
        f"Request: {pair.question[:_CUT]}\n\nAnswer given: {pair.answer[:_CUT]}"
    )
    return ask_structured(model, PairLabel, [SYSTEM, HumanMessage(prompt)], stage="classify",
                          structured_method=structured_method, usage=usage)


class ExtractedPath(BaseModel):
    """One attribute as a path from a first-level category to a specific attribute."""

    category: Literal[CATEGORIES]  # type: ignore[valid-type]
    levels: list[str] = Field(min_length=1, max_length=3,
                              description="general to specific attribute names (not values), 1-3 of them")


class Extraction(BaseModel):
    """Attributes of the asker that the exchange reveals or depends on."""

    paths: list[ExtractedPath] = Field(max_length=8)


def extract_paths(model: BaseChatModel, pair: QAPair, structured_method: str, usage: Usage) -> list[list[str]]:
    """Hierarchical attribute paths (category first) implied by a personalizable pair."""
    prompt = (
        "Which attributes of the person asking does this exchange reveal or depend on? Name each as a path from "
        "one of the first-level categories down to a general attribute, e.g. Lifestyle and Daily Routine > "
        "Meals > Breakfast Habits. Name attributes, never their values (write Diet Type, not Vegan), no brands, "
        "places or products; at most three levels below the category.\n\n"
        f"Categories: {'; '.join(CATEGORIES)}\n\n"
        f"Request: {pair.question[:_CUT]}\n\nAnswer given: {pair.answer[:_CUT]}"
    )
    found = ask_structured(model, Extraction, [SYSTEM, HumanMessage(prompt)], stage="extract",
                           structured_method=structured_method, usage=usage)
    return [[p.category, *[lvl.strip() for lvl in p.levels if lvl.strip()]] for p in found.paths if p.levels]


class PathVerdict(BaseModel):
    """Keep, rewrite or drop one candidate path."""

    index: int
    decision: Literal["keep", "rewrite", "drop"]
    rewritten: list[str] | None = Field(None, description="levels below the category, when decision is rewrite")


class PathVerdicts(BaseModel):
    """Verdicts for a numbered list of candidate paths."""

    verdicts: list[PathVerdict]


def judge_paths(model: BaseChatModel, paths: list[list[str]], structured_method: str,
                usage: Usage) -> dict[int, PathVerdict]:
    """Check each path: a general category, describes a person, each level refines the one above."""
    listing = "\n".join(f"{i}. {SEP.join(p)}" for i, p in enumerate(paths))
    prompt = (
        "Judge each candidate attribute path below. Keep it if every level is a general attribute of a person "
        "(not a value, brand, place, product, metric or business term) and each level narrows the one above. "
        "Rewrite it (give the corrected levels below the category) if a small fix makes it valid, for example "
        "replacing a value with the attribute it belongs to. Drop it otherwise.\n\n" + listing
    )
    found = ask_structured(model, PathVerdicts, [SYSTEM, HumanMessage(prompt)], stage="filter",
                           structured_method=structured_method, usage=usage)
    return {v.index: v for v in found.verdicts if 0 <= v.index < len(paths)}


class LeafSpec(BaseModel):
    """How to fill a new leaf."""

    type: Literal["text", "number", "category", "list", "boolean"]
    unit: str | None = Field(None, description="for numbers, e.g. 'hours per week'")
    options: list[str] | None = Field(None, description="for categories, 2-8 short options")
    description: str = Field(min_length=5, max_length=140, description="one line: what the attribute captures")


def describe_leaves(model: BaseChatModel, paths: list[list[str]], structured_method: str,
                    usage: Usage) -> dict[str, Any]:
    """Value type and one-line description for each new leaf (keyed by the joined path)."""
    keys = [SEP.join(p) for p in paths]
    schema = {
        "title": "LeafSpecs", "type": "object", "additionalProperties": False, "required": keys,
        "properties": {k: LeafSpec.model_json_schema() for k in keys},
    }
    prompt = (
        "For each attribute below, say what kind of value it takes (text, number with a unit, category with "
        "options, list, or boolean) and describe in one line what it captures about a person.\n\n"
        + "\n".join(f"- {k}" for k in keys)
    )
    return ask_structured(model, schema, [SYSTEM, HumanMessage(prompt)], stage="describe",
                          structured_method=structured_method, usage=usage)


class SameAttribute(BaseModel):
    """Whether two sibling names denote the same attribute of a person."""

    rationale: str = Field(description="one sentence, written first")
    same: bool


def same_attribute(model: BaseChatModel, parent: str, a: str, b: str, structured_method: str, usage: Usage) -> bool:
    """Ask the model to confirm a similarity merge of two sibling attributes."""
    prompt = (
        f"Under '{parent}', are '{a}' and '{b}' the same attribute of a person (one would be redundant), or "
        "two different attributes worth keeping apart? Answer same=true only if one could replace the other."
    )
    answer = ask_structured(model, SameAttribute, [SYSTEM, HumanMessage(prompt)], stage="merge",
                            structured_method=structured_method, usage=usage)
    return answer.same
