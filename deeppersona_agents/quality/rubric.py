"""Personalised Q&A evaluation: does a deeper persona make an assistant's answers more personal?

For every (persona, request) pair a **responder** model answers the request for that persona (one
plain chat call) and an **evaluator** model grades the answer (one structured call through
:func:`~deeppersona_agents.structured.ask_structured`): a ``rationale`` first, then one integer per
dimension on a **1-5 scale** (1 = criterion clearly unmet, 3 = typical, 5 = exceptional), so
N personas x 12 requests = 2N x 12 model calls, plus evaluator retries.

Advice requests (1-10) are graded on all ten :data:`DIMENSIONS`. The two creative-writing requests
(social post, video script) use :data:`CREATIVE_DIMENSION_IDS`: personalisation fit, attribute
coverage, depth & specificity, novelty with relevance and engagement — the dimensions that judge a
piece of writing; justification, actionability, effort reduction, diversity of options and goal
progress presuppose advice and would penalise a good story for not being a plan.

An evaluator answer that stays malformed after its retries is recorded with ``status="failed"``
and the error text; it is excluded from every mean. Results are appended to a JSONL file as they
complete, so a killed run resumes by skipping the (source, persona, request) keys already there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field

SCORE_MIN, SCORE_MAX = 1, 5
OVERALL = "overall"


@dataclass(frozen=True)
class Request:
    """One personalised request put to the responder."""

    id: str
    text: str
    creative: bool = False


@dataclass(frozen=True)
class Dimension:
    """One grading dimension of the evaluator's rubric."""

    id: str
    name: str
    description: str


REQUESTS: tuple[Request, ...] = (
    Request("career_plan", "Work out a step-by-step strategy, with a realistic timeline, for reaching my long-term "
            "career goal."),
    Request("weekly_schedule", "Put together a weekly schedule that fits my job around the things that matter to "
            "me outside work."),
    Request("habits", "Which habits should I start this coming month to feel sharper and have more energy?"),
    Request("fitness", "Propose a fitness plan I could actually keep up with, given how I live."),
    Request("burnout", "How can I keep myself from burning out over the next three months?"),
    Request("conversation_starters", "Give me some fresh, interesting ways to start a conversation with my friends "
            "or family."),
    Request("vacation", "Plan me a relaxing two-week holiday that costs less than $5,000 in total."),
    Request("relaxation", "What are a few quick things I can do to unwind and recharge?"),
    Request("monthly_budget", "Draw up a monthly budget that matches my income, my savings goals and the way I "
            "live."),
    Request("net_worth", "Lay out the steps I would need to take to reach my target net worth by the age of 50."),
    Request("social_post", "Write a short post for Twitter or Threads that tells a story about something I care "
            "deeply about.", creative=True),
    Request("video_script", "Write a brief TikTok script in which I look back on an experience that meant a lot "
            "to me.", creative=True),
)

DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("personalization_fit", "Personalisation fit",
              "The answer is written for this user, not for anyone: content, wording and tone fit who they are."),
    Dimension("attribute_coverage", "Attribute coverage",
              "How many distinct, relevant facts from the profile the answer uses, and uses correctly "
              "(about three is ordinary)."),
    Dimension("depth_specificity", "Depth & specificity",
              "Concrete detail such as numbers, names, examples and steps instead of general platitudes."),
    Dimension("justification", "Justification",
              "Each suggestion comes with the reason it suits this particular user."),
    Dimension("actionability", "Actionability",
              "The user could start right away: clear next steps, criteria for choosing, or ways to measure success."),
    Dimension("effort_reduction", "Effort reduction",
              "The answer does the sorting for the user: it filters, ranks or condenses the options."),
    Dimension("novelty_relevance", "Novelty with relevance",
              "At least one idea the user would not have thought of that still fits the profile."),
    Dimension("diversity", "Diversity of suggestions",
              "Several genuinely different routes or kinds of option, not one single answer."),
    Dimension("goal_alignment", "Goal-progress alignment",
              "Advice is tied to the user's own longer-term goals and shows how each step moves them forward."),
    Dimension("engagement", "Engagement",
              "Framing and tone likely to motivate this user in particular to act or explore further."),
)
DIMENSION_IDS: tuple[str, ...] = tuple(d.id for d in DIMENSIONS)
CREATIVE_DIMENSION_IDS: tuple[str, ...] = (
    "personalization_fit", "attribute_coverage", "depth_specificity", "novelty_relevance", "engagement",
)


def _score(description: str) -> Any:
    return Field(ge=SCORE_MIN, le=SCORE_MAX, description=description)


class _Grade(BaseModel):
    """The reasons and the dimensions every request type is graded on."""

    rationale: str = Field(description="a few sentences per dimension explaining the scores that follow")
    personalization_fit: int = _score(DIMENSIONS[0].description)
    attribute_coverage: int = _score(DIMENSIONS[1].description)
    depth_specificity: int = _score(DIMENSIONS[2].description)


class AdviceGrade(_Grade):
    """Evaluator answer for an advice request: reasons first, then ten 1-5 scores."""

    justification: int = _score(DIMENSIONS[3].description)
    actionability: int = _score(DIMENSIONS[4].description)
    effort_reduction: int = _score(DIMENSIONS[5].description)
    novelty_relevance: int = _score(DIMENSIONS[6].description)
    diversity: int = _score(DIMENSIONS[7].description)
    goal_alignment: int = _score(DIMENSIONS[8].description)
    engagement: int = _score(DIMENSIONS[9].description)


class CreativeGrade(_Grade):
    """Evaluator answer for a creative request: reasons first, then five 1-5 scores."""

    novelty_relevance: int = _score(DIMENSIONS[6].description)
    engagement: int = _score(DIMENSIONS[9].description)


RESPONDER_SYSTEM = (
    "You are a personal assistant who knows the user described below very well. Answer their request for them "
    "specifically: draw on the details of their life, circumstances and goals wherever they matter, and be "
    "concrete."
)
EVALUATOR_SYSTEM = (
    "You grade answers from an assistant that was asked to personalise its help. You see the user's profile, the "
    "user's request and the assistant's answer. Judge only how well the answer serves this particular user. "
    "First write your rationale, then give every dimension an integer from {lo} to {hi}:\n{rubric}\n"
    "Scale: {lo} = the criterion is clearly not met, 3 = what a competent but ordinary answer achieves, "
    "{hi} = exceptional, the kind of answer a top human expert who knew this user would write. "
    "Be demanding: most answers deserve 2 or 3 and the top score should be rare."
)


def dimensions_for(request: Request) -> tuple[str, ...]:
    """The dimension ids the evaluator scores for ``request``."""
    return CREATIVE_DIMENSION_IDS if request.creative else DIMENSION_IDS


def evaluator_messages(profile: str, request: Request, answer: str) -> list[Any]:
    """The evaluator prompt for one answer."""
    wanted = set(dimensions_for(request))
    rubric = "\n".join(f"- {d.id} ({d.name}): {d.description}" for d in DIMENSIONS if d.id in wanted)
    system = EVALUATOR_SYSTEM.format(lo=SCORE_MIN, hi=SCORE_MAX, rubric=rubric)
    task = "creative writing" if request.creative else "advice"
    body = f"USER PROFILE\n{profile}\n\nREQUEST ({task})\n{request.text}\n\nASSISTANT'S ANSWER\n{answer}"
    return [SystemMessage(system), HumanMessage(body)]


def responder_messages(profile: str, request: Request) -> list[Any]:
    """The responder prompt: the persona, then the request in the user's voice."""
    return [SystemMessage(RESPONDER_SYSTEM), HumanMessage(f"ABOUT ME\n{profile}\n\nMY REQUEST\n{request.text}")]


def result_key(row: dict[str, Any]) -> tuple[str, str, str]:
    """The (source, persona, request) key of a result row."""
    return str(row["source"]), str(row["persona_id"]), str(row["request_id"])


