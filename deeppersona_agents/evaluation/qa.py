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

import json
import math
import zlib
from collections.abc import Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field
from tqdm import tqdm

from deeppersona_agents.errors import ConfigError, EndpointRateLimitError, StructuredOutputError
from deeppersona_agents.evaluation.intrinsic import mean_ci
from deeppersona_agents.evaluation.sources import EvalPersona
from deeppersona_agents.llm import redact
from deeppersona_agents.structured import Usage, ask_structured, endpoint_error
from deeppersona_agents.usage import invoke_counted

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


class AdviceGrade(BaseModel):
    """Evaluator answer for an advice request: reasons first, then ten 1-5 scores."""

    rationale: str = Field(description="a few sentences per dimension explaining the scores that follow")
    personalization_fit: int = _score(DIMENSIONS[0].description)
    attribute_coverage: int = _score(DIMENSIONS[1].description)
    depth_specificity: int = _score(DIMENSIONS[2].description)
    justification: int = _score(DIMENSIONS[3].description)
    actionability: int = _score(DIMENSIONS[4].description)
    effort_reduction: int = _score(DIMENSIONS[5].description)
    novelty_relevance: int = _score(DIMENSIONS[6].description)
    diversity: int = _score(DIMENSIONS[7].description)
    goal_alignment: int = _score(DIMENSIONS[8].description)
    engagement: int = _score(DIMENSIONS[9].description)


class CreativeGrade(BaseModel):
    """Evaluator answer for a creative request: reasons first, then five 1-5 scores."""

    rationale: str = Field(description="a few sentences per dimension explaining the scores that follow")
    personalization_fit: int = _score(DIMENSIONS[0].description)
    attribute_coverage: int = _score(DIMENSIONS[1].description)
    depth_specificity: int = _score(DIMENSIONS[2].description)
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


@dataclass
class QAResult:
    """Every result row (resumed and new) and what this run spent."""

    rows: list[dict[str, Any]]
    new_rows: int = 0
    skipped: int = 0
    responder_calls: int = 0
    evaluator_calls: int = 0
    calls_cached: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    path: Path | None = None
    personas: dict[tuple[str, str], EvalPersona] = field(default_factory=dict, repr=False)

    @property
    def model_calls(self) -> int:
        """Responder plus evaluator calls this run sent to the endpoints (every attempt; cache hits apart)."""
        return self.responder_calls + self.evaluator_calls

    @property
    def failed(self) -> int:
        """Rows recorded as failed."""
        return sum(r["status"] != "ok" for r in self.rows)


def evaluate_one(
    persona: EvalPersona,
    request: Request,
    responder: BaseChatModel,
    evaluator: BaseChatModel,
    *,
    method: str = "json_schema",
    attempts: int = 3,
    max_attributes: int | None = None,
) -> dict[str, Any]:
    """Answer ``request`` as ``persona``'s assistant and grade it; never raises for a bad answer."""
    profile = persona.render(max_attributes)
    row: dict[str, Any] = {
        "source": persona.source, "persona_id": persona.id, "request_id": request.id, "creative": request.creative,
        "attributes": len(persona.attributes), "status": "failed", "error": "", "scores": None, "rationale": "",
        "response": "", "responder_calls": 0, "evaluator_calls": 0, "calls_cached": 0, "prompt_tokens": 0,
        "completion_tokens": 0,
    }
    answer_usage, grade_usage = Usage(), Usage()
    try:
        reply = invoke_counted(responder, responder_messages(profile, request), usage=answer_usage)
        answer = reply.content if isinstance(reply.content, str) else str(reply.content)
    except Exception as exc:  # the responder's failure is this row's failure, not the run's ...
        mapped = endpoint_error(exc)
        if mapped is not None and not isinstance(mapped, EndpointRateLimitError):  # ... unless the endpoint is
            raise mapped from exc  # unreachable or refuses the request: then stop, resumable
        row["error"] = redact(f"responder: {type(exc).__name__}: {exc}")
        row["responder_calls"], row["calls_cached"] = answer_usage.llm_calls, answer_usage.calls_cached
        return row
    row["responder_calls"] = answer_usage.llm_calls
    row["response"] = answer
    schema: type[BaseModel] = CreativeGrade if request.creative else AdviceGrade
    try:
        if not answer.strip():
            raise ValueError("the responder returned an empty answer")
        grade = ask_structured(evaluator, schema, evaluator_messages(profile, request, answer), stage="qa-evaluator",
                               method=method, attempts=attempts, usage=grade_usage)
    except (StructuredOutputError, EndpointRateLimitError, ValueError) as exc:
        row["error"] = f"evaluator: {exc}"
    else:
        values = grade.model_dump()
        row.update(status="ok", rationale=values.pop("rationale"), scores=values)
    row["evaluator_calls"] = grade_usage.llm_calls
    row["calls_cached"] = answer_usage.calls_cached + grade_usage.calls_cached
    row["prompt_tokens"] = answer_usage.prompt_tokens + grade_usage.prompt_tokens
    row["completion_tokens"] = answer_usage.completion_tokens + grade_usage.completion_tokens
    return row


def load_results(path: str | Path) -> list[dict[str, Any]]:
    """Rows of a results JSONL, the last row per key winning; a torn last line (killed run) is skipped."""
    path = Path(path)
    if not path.exists():
        return []
    latest: dict[tuple[str, str, str], dict[str, Any]] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            key = result_key(row)
        except (json.JSONDecodeError, KeyError, TypeError):
            if number == len(lines):
                continue  # written while the run was killed
            raise ConfigError(f"{path}, line {number}: not a QA result row; delete that line to resume") from None
        latest[key] = row
    return list(latest.values())


def _open_for_append(path: Path) -> Any:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        data = path.read_bytes()
        if data and not data.endswith(b"\n"):  # a torn last line from a killed run: cut it off
            with path.open("r+b") as torn:
                torn.truncate(data.rfind(b"\n") + 1)
    return path.open("ab")


def run_qa(
    personas: Sequence[EvalPersona],
    responder: BaseChatModel,
    evaluator: BaseChatModel,
    *,
    requests: Sequence[Request] = REQUESTS,
    out: str | Path | None = None,
    concurrency: int = 4,
    method: str = "json_schema",
    attempts: int = 3,
    max_attributes: int | None = None,
    retry_failed: bool = False,
    progress: bool = True,
) -> QAResult:
    """Answer and grade every (persona, request) pair, ``concurrency`` pairs at a time.

    With ``out`` each row is appended to that JSONL file (flushed) as soon as it is done, and keys
    already in the file are skipped (failed ones too, unless ``retry_failed``). ``rows`` come back in
    persona order, then request order, however the calls finished.

    Raises:
        ConfigError: no personas/requests, duplicate persona keys, or concurrency < 1.
        ModelError: the endpoint is unreachable (rows finished so far are kept in ``out``).
    """
    if not personas or not requests:
        raise ConfigError("nothing to evaluate: give at least one persona and one request")
    if concurrency < 1:
        raise ConfigError(f"concurrency={concurrency}; use 1 or more")
    lookup = {(p.source, p.id): p for p in personas}
    if len(lookup) != len(personas):
        raise ConfigError("two personas share a (source, id); give each source a distinct name")
    path = Path(out) if out is not None else None
    previous = load_results(path) if path is not None else []
    done = {result_key(r) for r in previous if r["status"] == "ok" or not retry_failed}
    jobs = [(p, r) for p in personas for r in requests if (p.source, p.id, r.id) not in done]
    result = QAResult(rows=[], skipped=len(personas) * len(requests) - len(jobs), path=path, personas=lookup)
    rows_by_key = {result_key(r): r for r in previous}
    handle = _open_for_append(path) if path is not None else None
    pool = ThreadPoolExecutor(max_workers=concurrency)
    try:
        with tqdm(total=len(jobs), desc="qa", unit="pair", disable=not progress) as bar:
            pending: set[Future[dict[str, Any]]] = set()
            queue = iter(jobs)

            def submit(count: int) -> None:
                for persona, request in _take(queue, count):
                    pending.add(pool.submit(evaluate_one, persona, request, responder, evaluator, method=method,
                                            attempts=attempts, max_attributes=max_attributes))

            submit(2 * concurrency)  # bounded in flight, so a kill loses at most this many answers
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    pending.discard(future)
                    row = future.result()
                    _record(result, row, handle)
                    rows_by_key[result_key(row)] = row
                    bar.update(1)
                submit(len(finished))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if handle is not None:
            handle.close()
    order = {(p.source, p.id, r.id): i for i, (p, r) in enumerate((p, r) for p in personas for r in requests)}
    result.rows = sorted(rows_by_key.values(), key=lambda row: order.get(result_key(row), len(order)))
    return result


def _take[T](items: Iterable[T], count: int) -> list[T]:
    out = []
    for item in items:
        out.append(item)
        if len(out) >= count:
            break
    return out


def _record(result: QAResult, row: dict[str, Any], handle: Any) -> None:
    result.new_rows += 1
    result.responder_calls += row["responder_calls"]
    result.evaluator_calls += row["evaluator_calls"]
    result.calls_cached += row.get("calls_cached", 0)
    result.prompt_tokens += row["prompt_tokens"]
    result.completion_tokens += row["completion_tokens"]
    if handle is not None:
        handle.write((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))
        handle.flush()


def _stable_rng(seed: int, *parts: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32("|".join(parts).encode())])


def row_overall(row: dict[str, Any]) -> float:
    """Mean of a row's scores (NaN for a failed row)."""
    scores = row.get("scores") or {}
    return float(np.mean(list(scores.values()))) if row.get("status") == "ok" and scores else math.nan


def aggregate(
    rows: Sequence[dict[str, Any]],
    *,
    baseline: str | None = None,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Per source and dimension (plus ``overall``): mean, bootstrap CI, gain relative to ``baseline``.

    Only ``status == "ok"`` rows count. ``baseline`` defaults to the first source in ``rows``;
    ``relative_gain`` = (mean - baseline mean) / baseline mean. Each (source, dimension) bootstrap
    has its own generator derived from ``seed``, so results do not depend on row or source order.
    """
    sources = list(dict.fromkeys(str(r["source"]) for r in rows))
    if not sources:
        raise ConfigError("no QA results to aggregate; run the QA evaluation first")
    base = baseline or sources[0]
    if base not in sources:
        raise ConfigError(f"baseline source {base!r} is not among the results ({', '.join(sources)})")
    table: list[dict[str, Any]] = []
    for source in sources:
        group = [r for r in rows if r["source"] == source]
        ok = [r for r in group if r["status"] == "ok"]
        for dimension in (*DIMENSION_IDS, OVERALL):
            if dimension == OVERALL:
                values = [row_overall(r) for r in ok]
            else:
                values = [r["scores"][dimension] for r in ok if dimension in r["scores"]]
            mean, low, high = mean_ci(values, n_boot=n_boot, level=level, rng=_stable_rng(seed, source, dimension))
            table.append({"source": source, "dimension": dimension, "n": len(values), "failed": len(group) - len(ok),
                          "mean": mean, "ci_low": low, "ci_high": high})
    base_means = {t["dimension"]: t["mean"] for t in table if t["source"] == base}
    for entry in table:
        ref = base_means.get(entry["dimension"], math.nan)
        entry["relative_gain"] = (entry["mean"] - ref) / ref if ref and math.isfinite(ref) else math.nan
    return table


def export_pairs(
    result: QAResult | Sequence[dict[str, Any]],
    pairs_path: str | Path,
    key_path: str | Path,
    *,
    sources: Sequence[str] | None = None,
    seed: int = 0,
    max_attributes: int | None = None,
) -> int:
    """Blind A/B pairs for human raters, plus the hidden key mapping each side back to its source.

    For every two sources and every request, the i-th persona of one source (in result order) is
    paired with the i-th persona of the other; only pairs where both answers were graded are kept.
    Which source appears as A is drawn per pair from ``seed``. Profiles are included when ``result``
    is a :class:`QAResult` (it knows the personas). Returns the number of pairs written.
    """
    rows = result.rows if isinstance(result, QAResult) else list(result)
    personas = result.personas if isinstance(result, QAResult) else {}
    names = list(sources or dict.fromkeys(str(r["source"]) for r in rows))
    if len(names) < 2:
        raise ConfigError("pairwise export needs answers from at least two sources")
    request_text = {r.id: r.text for r in REQUESTS}
    rng = np.random.default_rng(seed)
    pairs: list[dict[str, Any]] = []
    keys: list[dict[str, Any]] = []
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            for request_id in dict.fromkeys(str(r["request_id"]) for r in rows):
                left = [r for r in rows if r["source"] == first and r["request_id"] == request_id]
                right = [r for r in rows if r["source"] == second and r["request_id"] == request_id]
                for a, b in zip(left, right, strict=False):
                    if a["status"] != "ok" or b["status"] != "ok":
                        continue
                    if rng.random() < 0.5:
                        a, b = b, a
                    pair_id = f"pair-{len(pairs) + 1:05d}"
                    entry = {"pair_id": pair_id, "request_id": request_id,
                             "request": request_text.get(request_id, request_id),
                             "response_a": a["response"], "response_b": b["response"]}
                    for side, row in (("a", a), ("b", b)):
                        persona = personas.get((row["source"], row["persona_id"]))
                        if persona is not None:
                            entry[f"profile_{side}"] = persona.render(max_attributes)
                    pairs.append(entry)
                    keys.append({"pair_id": pair_id, "a_source": a["source"], "a_persona": a["persona_id"],
                                 "b_source": b["source"], "b_persona": b["persona_id"], "request_id": request_id})
    write_jsonl_atomic(Path(pairs_path), pairs)
    write_jsonl_atomic(Path(key_path), keys)
    return len(pairs)


def write_jsonl_atomic(path: Path, records: Iterable[dict[str, Any]]) -> None:
    """Write JSON lines via a temporary file renamed into place."""
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    tmp.replace(path)


# ---------------------------------------------------------------------------------------- depth ablation

DEFAULT_DEPTHS: tuple[int, ...] = (50, 100, 150, 200, 250, 300)


def run_ablation(
    personas: Sequence[EvalPersona],
    depths: Sequence[int],
    responder: BaseChatModel,
    evaluator: BaseChatModel,
    *,
    out: str | Path | None = None,
    seed: int = 0,
    n_boot: int = 1000,
    **qa_options: Any,
) -> tuple[list[dict[str, Any]], QAResult]:
    """QA on the same personas truncated to each depth k; one table row per depth.

    Each depth is run as its own source ``"<source>@k<depth>"``; ``qa_options`` go to :func:`run_qa`.
    Table columns: depth, mean_attributes (actual, after truncation), pairs, failed, overall mean/CI
    and the mean of every dimension.
    """
    from deeppersona_agents.evaluation.sources import truncate

    if not depths or any(k < 1 for k in depths):
        raise ConfigError(f"depths {list(depths)} must be positive attribute counts, e.g. 50,100,150")
    variants, depth_of = [], {}
    for k in sorted(set(depths)):
        for persona in personas:
            cut = truncate(persona, k)
            cut.source = f"{persona.source}@k{k}"
            depth_of[cut.source] = k
            variants.append(cut)
    result = run_qa(variants, responder, evaluator, out=out, **qa_options)
    summary = aggregate(result.rows, n_boot=n_boot, seed=seed)
    table = []
    for k in sorted(set(depths)):
        names = {s for s, d in depth_of.items() if d == k}
        rows = [r for r in result.rows if r["source"] in names]
        entry: dict[str, Any] = {"depth": k, "mean_attributes": float(np.mean([r["attributes"] for r in rows])),
                                 "pairs": len(rows), "failed": sum(r["status"] != "ok" for r in rows)}
        for item in summary:
            if item["source"] in names and len(names) == 1:
                entry[item["dimension"]] = item["mean"]
                if item["dimension"] == OVERALL:
                    entry["overall_ci_low"], entry["overall_ci_high"] = item["ci_low"], item["ci_high"]
        if len(names) > 1:  # several sources ablated together: pool their rows
            ok = [r for r in rows if r["status"] == "ok"]
            mean, low, high = mean_ci([row_overall(r) for r in ok], n_boot=n_boot, rng=_stable_rng(seed, str(k)))
            entry.update({OVERALL: mean, "overall_ci_low": low, "overall_ci_high": high})
            for dim in DIMENSION_IDS:
                values = [r["scores"][dim] for r in ok if dim in r["scores"]]
                entry[dim] = float(np.mean(values)) if values else math.nan
        table.append(entry)
    return table, result


def plot_metric_vs_depth(table: Sequence[dict[str, Any]], path: str | Path, metric: str = OVERALL) -> Path:
    """PNG of ``metric`` (with its CI when it is ``overall``) against depth (matplotlib, no display needed)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    depths = [t["depth"] for t in table]
    values = [t.get(metric, math.nan) for t in table]
    figure = Figure(figsize=(6, 4), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    if metric == OVERALL and all("overall_ci_low" in t for t in table):
        low = [v - t["overall_ci_low"] for v, t in zip(values, table, strict=True)]
        high = [t["overall_ci_high"] - v for v, t in zip(values, table, strict=True)]
        axes.errorbar(depths, values, yerr=[low, high], marker="o", capsize=4)
    else:
        axes.plot(depths, values, marker="o")
    axes.set_xlabel("attributes in the profile (k)")
    axes.set_ylabel(f"{metric} score ({SCORE_MIN}-{SCORE_MAX})")
    axes.set_title(f"Personalised QA: {metric} vs persona depth")
    axes.grid(alpha=0.3)
    out = Path(path)
    figure.savefig(out)
    return out

