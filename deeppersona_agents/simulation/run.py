"""A durable survey run: answers logged as they arrive, resumable after a kill, reasons for every gap.

Sits between the CLI (``deeppersona survey``) and the Mesa model (``survey.py``). Layout of ``out/``:

- ``answers.jsonl``: one row per answer (``persona_id, item, sample, wave`` + answer, reason, ``run``),
  appended and flushed as each call returns (``_io.JsonlLog``; a torn tail is repaired on resume);
- ``manifest.json``: the run's fingerprint (instrument and items, method, depth, mode, samples, model,
  persona file hash, seed ...), the run count and a summary; written atomically;
- ``answers.csv``: the table ``deeppersona compare`` reads, rewritten atomically from the log after each
  run: for every (persona, item, sample, wave) the rows of the latest run that asked it.

A rerun with the same options asks only what is not answered yet (missing answers are asked again),
so a killed run resumes with no duplicate and no lost rows; different options are refused.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from langchain_core.caches import BaseCache
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel

from deeppersona_agents._io import JsonlLog, lock_file, read_log, write_csv_atomic, write_json_atomic
from deeppersona_agents._resume import fingerprint_hash, open_manifest
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.persona import Persona
from deeppersona_agents.response_cache import cached_model
from deeppersona_agents.simulation.survey import Key, SurveyModel

LOG, MANIFEST, CSV, LOCK = "answers.jsonl", "manifest.json", "answers.csv", ".lock"
COLUMNS = ["persona_id", "country", "item", "answer", "method", "sample", "wave", "reason"]


def personas_hash(personas: Sequence[Persona]) -> str:
    """A content hash of the respondents (part of the fingerprint)."""
    digest = hashlib.sha256()
    for persona in personas:
        digest.update(persona.model_dump_json().encode())
    return digest.hexdigest()[:16]


@dataclass
class SurveyRun:
    """What a run left in ``out/``: the answers table, counts, and why answers are missing."""

    answers: pd.DataFrame
    expected: int
    missing: int
    reasons: Counter[str] = field(default_factory=Counter)
    llm_calls: int = 0
    calls_cached: int = 0

    @property
    def mostly_missing(self) -> bool:
        """More than half the answers are missing."""
        return self.missing * 2 > self.expected


def _key(row: dict[str, Any]) -> Key:
    return (str(row["persona_id"]), str(row["item"]), int(row["sample"]), int(row["wave"]))


def latest_rows(records: list[dict[str, Any]]) -> dict[Key, list[dict[str, Any]]]:
    """Per answer key, the rows of the latest run that asked it (log order breaks no ties: one run, one ask)."""
    latest: dict[Key, tuple[int, list[dict[str, Any]]]] = {}
    for record in records:
        key, run = _key(record), int(record.get("run", 0))
        if key not in latest or latest[key][0] < run:
            latest[key] = (run, [record])
        elif latest[key][0] == run:
            latest[key][1].append(record)
    return {key: rows for key, (_, rows) in latest.items()}


def run_survey(
    personas: Sequence[Persona],
    chat_model: BaseChatModel | None = None,
    *,
    out: str | Path,
    model_name: str,
    waves: int = 1,
    embeddings: Embeddings | None = None,
    progress: bool = True,
    force: bool = False,
    cache: BaseCache | str | Path | None = None,
    **options: Any,
) -> SurveyRun:
    """Run (or resume) a survey into ``out``; ``options`` are :class:`SurveyModel`'s (instrument, items ...).

    ``cache`` (a SQLite file path or a LangChain cache) keeps every reply: a rerun, or a resumed run
    whose answers were lost, asks the endpoint only what it has not answered for this seed.

    Raises:
        ConfigError: ``out`` holds a run made with other options (resume with the same ones, or ``force``).
    """
    folder = Path(out)
    rng = options.get("rng")
    chat_model = cached_model(chat_model, cache, f"survey-{rng}" if isinstance(rng, int) else None)
    sim = SurveyModel(personas, chat_model, embeddings=embeddings, **options)  # every option checked before output
    folder.mkdir(parents=True, exist_ok=True)
    lock = (folder / LOCK).open("w")
    if not lock_file(lock):
        lock.close()
        raise ConfigError(f"another survey run is writing to {folder}; wait for it or choose another out folder",
                          param="out") from None
    try:
        return _run(sim, personas, folder, model_name, waves, progress, force)
    finally:
        lock.close()


def _run(sim: SurveyModel, personas: Sequence[Persona], folder: Path, model_name: str, waves: int, progress: bool,
         force: bool) -> SurveyRun:
    from tqdm.auto import tqdm

    fingerprint = {
        "instrument": sim.instrument.name, "instrument_version": sim.instrument.version,
        "instrument_hash": hashlib.sha256(sim.instrument.model_dump_json().encode()).hexdigest()[:16],
        "items": [it.code for it in sim.items], "method": sim.method, "depth": sim.depth, "mode": sim.mode,
        "block_size": sim.block_size if sim.mode == "questionnaire" else None, "samples": sim.samples,
        "logprobs": sim.logprobs, "model": model_name, "structured_method": sim.structured_method,
        "personas": personas_hash(personas), "seed": sim.seed,
    }
    manifest = _open_manifest(folder, fingerprint, force)
    records = read_log(folder / LOG, remedy="remove that line and rerun to resume, or pass force=True to start over",
                       param="force")
    latest = latest_rows(records)
    sim.skip = {key for key, rows in latest.items() if any(r.get("answer") is not None for r in rows)}
    run = int(manifest.get("runs", 0)) + 1
    expected = len(personas) * len(sim.items) * sim.samples * waves
    bar = tqdm(total=expected, initial=min(len(sim.skip), expected), unit="answer", desc="answers",
               disable=not progress, dynamic_ncols=True)
    write_json_atomic(folder / MANIFEST, {**manifest, "status": "running", "runs": run, "waves": waves})
    with JsonlLog(folder / LOG) as log:
        def keep(rows: list[dict[str, Any]]) -> None:
            asked: dict[Key, list[dict[str, Any]]] = {}
            for row in rows:
                log.append({**row, "run": run})
                asked.setdefault(_key(row), []).append(row)
            latest.update(asked)
            bar.update(sum(any(r["answer"] is not None for r in got) for got in asked.values()))

        sim.on_rows = keep
        try:
            for _ in range(waves):
                sim.step()
        finally:
            bar.close()
    result = _finish(folder, latest, personas, sim, waves, expected)
    summary = {"expected": expected, "answered": expected - result.missing, "missing": result.missing,
               "missing_reasons": dict(result.reasons.most_common(5)), "calls_billed_this_run": sim.usage.llm_calls,
               "calls_cached_this_run": sim.usage.calls_cached}
    write_json_atomic(folder / MANIFEST, {**manifest, "status": "complete" if not result.missing else "incomplete",
                                          "runs": run, "waves": waves, "summary": summary})
    result.llm_calls, result.calls_cached = sim.usage.llm_calls, sim.usage.calls_cached
    return result


def _open_manifest(folder: Path, fingerprint: dict[str, Any], force: bool) -> dict[str, Any]:
    stored = open_manifest(folder, MANIFEST, LOG, fingerprint, force=force, files=(LOG, MANIFEST, CSV),
                           what="a survey run")
    if stored is not None:
        return stored
    return {"format": "deeppersona-survey/1", "fingerprint": fingerprint, "runs": 0,
            "fingerprint_hash": fingerprint_hash(fingerprint)}


def _finish(folder: Path, latest: dict[Key, list[dict[str, Any]]], personas: Sequence[Persona], sim: SurveyModel,
            waves: int, expected: int) -> SurveyRun:
    """Write answers.csv from the latest rows of every expected key; count the gaps and their reasons."""
    rows: list[dict[str, Any]] = []
    reasons: Counter[str] = Counter()
    missing = 0
    for wave in range(1, waves + 1):
        for persona in personas:
            for item in sim.items:
                for sample in range(sim.samples):
                    got = latest.get((persona.id, item.code, sample, wave))
                    if not got:
                        missing += 1
                        reasons["not asked yet (the run was interrupted); rerun to resume"] += 1
                        continue
                    rows += [{k: v for k, v in r.items() if k != "run"} for r in got]
                    if all(r.get("answer") is None for r in got):
                        missing += 1
                        reasons[str(got[0].get("reason") or "unknown")] += 1
    columns = COLUMNS + (["weight"] if sim.logprobs else [])
    frame = pd.DataFrame(rows, columns=columns).astype({"answer": "Int64"})
    write_csv_atomic(folder / CSV, frame)
    return SurveyRun(frame, expected, missing, reasons)
