"""Personalised Q&A, the runner: answer and grade every (persona, request) pair; resumable; depth ablation."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel
from tqdm import tqdm

from deeppersona_agents._io import JsonlLog, read_log
from deeppersona_agents.errors import ConfigError, EndpointRateLimitError, StructuredOutputError
from deeppersona_agents.llm import redact
from deeppersona_agents.quality.intrinsic import mean_ci
from deeppersona_agents.quality.report import _stable_rng, aggregate, row_overall
from deeppersona_agents.quality.rubric import (
    DIMENSION_IDS,
    OVERALL,
    REQUESTS,
    AdviceGrade,
    CreativeGrade,
    Request,
    evaluator_messages,
    responder_messages,
    result_key,
)
from deeppersona_agents.quality.sources import EvalPersona
from deeppersona_agents.structured import Usage, ask_structured, endpoint_error
from deeppersona_agents.usage import invoke_counted

SCORE_MIN, SCORE_MAX = 1, 5

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
    structured_method: str = "json_schema",
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
                               structured_method=structured_method, attempts=attempts, usage=grade_usage)
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
    """Rows of a results JSONL, the last row per key winning; a torn last line (killed run) is repaired away."""
    latest: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in read_log(path, remedy="delete that line to resume"):
        try:
            latest[result_key(row)] = row
        except KeyError:
            raise ConfigError(f"{path}: a line is not a QA result row (no source/persona_id/request_id); "
                              "delete it to resume") from None
    return list(latest.values())


def run_qa(
    personas: Sequence[EvalPersona],
    responder: BaseChatModel,
    evaluator: BaseChatModel,
    *,
    requests: Sequence[Request] = REQUESTS,
    out: str | Path | None = None,
    concurrency: int = 4,
    structured_method: str = "json_schema",
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
    handle = JsonlLog(path) if path is not None else None
    pool = ThreadPoolExecutor(max_workers=concurrency)
    try:
        with tqdm(total=len(jobs), desc="qa", unit="pair", disable=not progress) as bar:
            pending: set[Future[dict[str, Any]]] = set()
            queue = iter(jobs)

            def submit(count: int) -> None:
                for persona, request in _take(queue, count):
                    pending.add(pool.submit(evaluate_one, persona, request, responder, evaluator,
                                            structured_method=structured_method,
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


def _record(result: QAResult, row: dict[str, Any], handle: JsonlLog | None) -> None:
    result.new_rows += 1
    result.responder_calls += row["responder_calls"]
    result.evaluator_calls += row["evaluator_calls"]
    result.calls_cached += row.get("calls_cached", 0)
    result.prompt_tokens += row["prompt_tokens"]
    result.completion_tokens += row["completion_tokens"]
    if handle is not None:
        handle.append(row)




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
    from deeppersona_agents.quality.sources import truncate

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

