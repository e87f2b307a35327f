"""The running tally of a population run: stores each outcome, drives the progress bar, sums usage.

``run.py`` hands every worker outcome to :class:`Tally`; its summary becomes the manifest's ``summary``.
"""

from __future__ import annotations

from typing import Any

from deeppersona_agents.errors import ModelError
from deeppersona_agents.generation import STAGE_NAMES
from deeppersona_agents.population.store import PopulationStore

#: Consecutive model errors (unreachable endpoint, bad key, unknown model) that stop a run.
MAX_MODEL_ERRORS_IN_A_ROW = 8


class Tally:
    """Writes outcomes to the store and keeps the progress bar and counters."""

    def __init__(self, store: PopulationStore, *, initial: int, total: int, progress: bool) -> None:
        from tqdm.auto import tqdm

        self.store = store
        self.new = self.failed = self.cancelled = self.model_errors_in_a_row = 0
        self.llm_calls = self.calls_cached = self.prompt_tokens = self.completion_tokens = 0
        self.bar = tqdm(total=total, initial=initial, unit="persona", disable=not progress, dynamic_ncols=True,
                        desc="personas")
        self.last_error = ""
        self.stages: dict[str, int] = {}
        self.stage_seconds: dict[str, float] = {}

    def outcome(self, outcome: dict[str, Any]) -> None:
        """Store one worker outcome (a record, a failure or a cancellation) and count its usage."""
        index = outcome["index"]
        usage = outcome.get("usage") or {}  # every attempt, for stored and failed personas alike
        self.llm_calls += int(usage.get("llm_calls", 0))
        self.calls_cached += int(usage.get("calls_cached", 0))
        self.prompt_tokens += int(usage.get("prompt_tokens", 0))
        self.completion_tokens += int(usage.get("completion_tokens", 0))
        if "record" in outcome:
            self.store.add(index, outcome["record"])
            for stage, seconds in (outcome.get("seconds") or {}).items():
                self.stage_seconds[stage] = self.stage_seconds.get(stage, 0.0) + seconds
            self.new += 1
            self.model_errors_in_a_row = 0
            self.bar.update(1)
        elif outcome.get("cancelled"):
            self.cancelled += 1
        else:
            self.store.fail(index, outcome["stage"], outcome["error"])
            self.failed += 1
            self.last_error = outcome["error"]
            self.model_errors_in_a_row = self.model_errors_in_a_row + 1 if outcome.get("model_error") else 0
            if self.model_errors_in_a_row >= MAX_MODEL_ERRORS_IN_A_ROW:
                raise ModelError(f"{self.model_errors_in_a_row} personas in a row failed to reach the model "
                                 f"({self.last_error}); fix the endpoint and rerun the same command to resume")
        self._postfix()

    def stats(self, stats: dict[str, Any]) -> None:
        """Show the engine's live counts (personas per stage) on the bar."""
        self.stages = stats.get("stages", {})
        self._postfix()

    def _postfix(self) -> None:
        order = ["queued", *STAGE_NAMES]
        busy = " ".join(f"{s.replace('_attributes', '')}:{self.stages[s]}" for s in order if self.stages.get(s))
        self.bar.set_postfix_str(f"failed {self.failed}" + (f" | {busy}" if busy else ""), refresh=False)

    def close(self) -> None:
        """Close the progress bar."""
        self.bar.close()

    def summary(self, wall: float, stats: dict[str, Any], engine: str, concurrency: int) -> dict[str, Any]:
        """The run's counters, as recorded in the manifest."""
        return {
            "engine": engine,
            "concurrency": concurrency,
            "n": self.store.n,
            "done": len(self.store.done),
            "missing": self.store.n - len(self.store.done),
            "generated_this_run": self.new,
            "failed_this_run": self.failed,
            "calls_billed": self.llm_calls,
            "calls_cached": self.calls_cached,
            "gate_calls": int(stats.get("calls", 0)),
            "transient_retries": int(stats.get("transient_retries", 0)),
            "peak_calls_in_flight": int(stats.get("peak", 0)),
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "wall_seconds": round(wall, 2),
            "stage_seconds": {k: round(v, 2) for k, v in self.stage_seconds.items()},
            "personas_per_minute": round(self.new / wall * 60, 2) if wall > 0 else 0.0,
        }
