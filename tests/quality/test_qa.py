from __future__ import annotations

import json
import math

import pytest

from deeppersona_agents.errors import ConfigError
from deeppersona_agents.quality.qa import load_results, run_ablation, run_qa
from deeppersona_agents.quality.report import aggregate, export_pairs, plot_metric_vs_depth
from deeppersona_agents.quality.rubric import CREATIVE_DIMENSION_IDS, DIMENSION_IDS, DIMENSIONS, REQUESTS
from deeppersona_agents.quality.sources import EvalPersona
from tests.fakes import FakeChatModel


def grader(schema: dict, prompt: str) -> dict | None:
    """Evaluator answers: 4 everywhere for DEEP profiles, 2 otherwise; plain answers get prose."""
    properties = schema.get("properties", {})
    if "rationale" not in properties:
        return {"answer": "Because you work nights, start with a 20-minute walk after your shift."}
    score = 4 if "DEEP" in prompt else 2
    return {"rationale": "Uses the profile well.", **{k: score for k in properties if k != "rationale"}}


def population(source: str, n: int, marker: str = "", attributes: int = 3) -> list[EvalPersona]:
    return [EvalPersona(f"{source}-{i}", source, [(f"Cat{j} > a", f"value {i}-{j}") for j in range(attributes)],
                        f"{marker} person {i}".strip()) for i in range(n)]


def test_request_and_rubric_data():
    assert len(REQUESTS) == 12 and len({r.id for r in REQUESTS}) == 12
    assert [r.id for r in REQUESTS if r.creative] == ["social_post", "video_script"]
    assert len(DIMENSIONS) == 10 and len(CREATIVE_DIMENSION_IDS) == 5
    assert set(CREATIVE_DIMENSION_IDS) <= set(DIMENSION_IDS)
    assert "$5,000" in next(r.text for r in REQUESTS if r.id == "vacation")


def test_call_count_is_two_per_persona_and_request():
    personas = population("deep", 3, "DEEP") + population("flat", 2)
    responder, evaluator = FakeChatModel(responder=grader), FakeChatModel(responder=grader)
    result = run_qa(personas, responder, evaluator, concurrency=1, progress=False)
    assert result.responder_calls == responder.calls == 5 * 12
    assert result.evaluator_calls == evaluator.calls == 5 * 12
    assert result.model_calls == 2 * 5 * 12 and result.failed == 0 and len(result.rows) == 60
    creative = next(r for r in result.rows if r["request_id"] == "video_script")
    assert sorted(creative["scores"]) == sorted(CREATIVE_DIMENSION_IDS)
    advice = next(r for r in result.rows if r["request_id"] == "career_plan")
    assert sorted(advice["scores"]) == sorted(DIMENSION_IDS) and advice["rationale"]
    assert "20-minute walk" in advice["response"]


def test_concurrent_run_counts_the_same_and_keeps_the_order():
    personas = population("deep", 4, "DEEP")
    result = run_qa(personas, FakeChatModel(latency=0.001), FakeChatModel(), concurrency=8, progress=False)
    assert result.model_calls == 2 * 4 * 12 and result.failed == 0
    assert [(r["persona_id"], r["request_id"]) for r in result.rows] == [
        (p.id, q.id) for p in personas for q in REQUESTS]


def test_malformed_evaluator_json_is_retried_then_recorded_failed():
    personas = population("deep", 1, "DEEP")
    # the first three evaluator answers (all attempts for the first request) are truncated JSON
    evaluator = FakeChatModel(responder=grader, tamper=lambda n, answer: '{"rationale": "cut' if n <= 3 else None)
    result = run_qa(personas, FakeChatModel(responder=grader), evaluator, requests=REQUESTS[:2], concurrency=1,
                    progress=False)
    failed, ok = result.rows
    assert failed["status"] == "failed" and failed["scores"] is None
    assert "after 3 attempts" in failed["error"] and failed["evaluator_calls"] == 3
    assert ok["status"] == "ok" and ok["evaluator_calls"] == 1
    assert result.model_calls == 2 + 3 + 1 and result.failed == 1
    table = {(t["dimension"]): t for t in aggregate(result.rows)}
    assert table["personalization_fit"]["n"] == 1 and table["personalization_fit"]["failed"] == 1
    assert table["personalization_fit"]["mean"] == 4.0  # the failed row is excluded, not scored as zero


def test_retry_that_succeeds_counts_the_retry():
    evaluator = FakeChatModel(tamper=lambda n, answer: "not json" if n == 1 else None)
    result = run_qa(population("s", 1), FakeChatModel(), evaluator, requests=REQUESTS[:1], progress=False)
    assert result.rows[0]["status"] == "ok" and result.evaluator_calls == 2 and result.model_calls == 3


def test_aggregate_means_gains_and_reproducible_cis():
    personas = population("flat", 3) + population("deep", 3, "DEEP")
    result = run_qa(personas, FakeChatModel(responder=grader), FakeChatModel(responder=grader), progress=False)
    table = aggregate(result.rows, n_boot=200, seed=3)
    deep = {t["dimension"]: t for t in table if t["source"] == "deep"}
    flat = {t["dimension"]: t for t in table if t["source"] == "flat"}
    assert flat["overall"]["mean"] == 2.0 and deep["overall"]["mean"] == 4.0
    assert deep["justification"]["n"] == 3 * 10 and deep["engagement"]["n"] == 3 * 12
    assert deep["overall"]["relative_gain"] == pytest.approx(1.0) and flat["overall"]["relative_gain"] == 0.0
    switched = {t["dimension"]: t for t in aggregate(result.rows, baseline="deep") if t["source"] == "flat"}
    assert switched["overall"]["relative_gain"] == pytest.approx(-0.5)
    assert aggregate(result.rows, n_boot=200, seed=3) == table
    with pytest.raises(ConfigError, match="baseline source 'nope'"):
        aggregate(result.rows, baseline="nope")


def test_bootstrap_ci_varies_with_seed_on_varied_scores():
    rows = [{"source": "s", "persona_id": str(i), "request_id": "habits", "status": "ok",
             "scores": dict.fromkeys(DIMENSION_IDS, 1 + i % 5)} for i in range(40)]
    one, same, other = (aggregate(rows, seed=s) for s in (7, 7, 8))
    assert one == same
    assert [(t["ci_low"], t["ci_high"]) for t in one] != [(t["ci_low"], t["ci_high"]) for t in other]
    assert all(t["ci_low"] <= t["mean"] <= t["ci_high"] for t in one)


def test_resume_skips_done_rows_and_tolerates_a_torn_line(tmp_path):
    out = tmp_path / "qa.jsonl"
    personas = population("deep", 2, "DEEP")
    first = run_qa(personas, FakeChatModel(), FakeChatModel(), out=out, progress=False)
    assert first.model_calls == 48 and len(out.read_text().splitlines()) == 24
    again = run_qa(personas, FakeChatModel(), FakeChatModel(), out=out, progress=False)
    assert again.model_calls == 0 and again.skipped == 24 and len(again.rows) == 24
    # simulate a run killed after 5 rows, in the middle of writing the 6th
    lines = out.read_text().splitlines()
    out.write_text("\n".join(lines[:5]) + "\n" + lines[5][:40])
    assert len(load_results(out)) == 5
    resumed = run_qa(personas, FakeChatModel(), FakeChatModel(), out=out, progress=False)
    assert resumed.skipped == 5 and resumed.model_calls == 2 * 19 and len(resumed.rows) == 24
    assert len(load_results(out)) == 24


def test_failed_rows_are_skipped_on_resume_unless_retried(tmp_path):
    out = tmp_path / "qa.jsonl"
    broken = FakeChatModel(tamper=lambda n, a: "{")
    run_qa(population("s", 1), FakeChatModel(), broken, requests=REQUESTS[:2], out=out, progress=False)
    skipped = run_qa(population("s", 1), FakeChatModel(), FakeChatModel(), requests=REQUESTS[:2], out=out,
                     progress=False)
    assert skipped.model_calls == 0 and skipped.failed == 2
    retried = run_qa(population("s", 1), FakeChatModel(), FakeChatModel(), requests=REQUESTS[:2], out=out,
                     retry_failed=True, progress=False)
    assert retried.model_calls == 4 and retried.failed == 0
    assert {r["status"] for r in load_results(out)} == {"ok"}


def test_export_pairs_is_blind_seeded_and_keyed(tmp_path):
    personas = population("flat", 2) + population("deep", 2, "DEEP")
    result = run_qa(personas, FakeChatModel(responder=grader), FakeChatModel(), requests=REQUESTS[:3],
                    progress=False)
    pairs_path, key_path = tmp_path / "pairs.jsonl", tmp_path / "key.jsonl"
    assert export_pairs(result, pairs_path, key_path, seed=1) == 2 * 3
    pairs = [json.loads(line) for line in pairs_path.read_text().splitlines()]
    keys = {k["pair_id"]: k for k in map(json.loads, key_path.read_text().splitlines())}
    assert all("source" not in json.dumps(p) and "deep" not in json.dumps(p) for p in pairs)
    for pair in pairs:
        key = keys[pair["pair_id"]]
        assert {key["a_source"], key["b_source"]} == {"flat", "deep"}
        assert ("DEEP" in pair["profile_a"]) == (key["a_source"] == "deep")
    sides = [keys[p["pair_id"]]["a_source"] for p in pairs]
    assert len(set(sides)) == 2  # both orders occur with this seed
    export_pairs(result, tmp_path / "p2.jsonl", tmp_path / "k2.jsonl", seed=1)
    assert (tmp_path / "k2.jsonl").read_text() == key_path.read_text()


def test_depth_ablation_table_and_plot(tmp_path):
    personas = population("deep", 2, "DEEP", attributes=6)
    responder, evaluator = FakeChatModel(), FakeChatModel()
    table, result = run_ablation(personas, [4, 2, 10], responder, evaluator, requests=REQUESTS[:2],
                                 out=tmp_path / "ablation.jsonl", progress=False, concurrency=1)
    assert [t["depth"] for t in table] == [2, 4, 10]
    assert [t["mean_attributes"] for t in table] == [2, 4, 6]
    assert result.model_calls == 2 * 2 * 2 * 3 and all(t["pairs"] == 4 for t in table)
    assert all(t["overall"] == 3.0 for t in table)  # the default fake grades everything 3
    png = plot_metric_vs_depth(table, tmp_path / "depth.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ConfigError, match="depths"):
        run_ablation(personas, [0], responder, evaluator)


def test_bad_inputs():
    with pytest.raises(ConfigError, match="nothing to evaluate"):
        run_qa([], FakeChatModel(), FakeChatModel())
    with pytest.raises(ConfigError, match="concurrency"):
        run_qa(population("s", 1), FakeChatModel(), FakeChatModel(), concurrency=0)
    assert math.isnan(aggregate([{"source": "s", "persona_id": "1", "request_id": "x", "status": "failed",
                                  "scores": None}])[0]["mean"])


class UnreachableModel(FakeChatModel):
    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        import httpx
        import openai

        raise openai.APIConnectionError(request=httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions"))


class FlakyResponder(FakeChatModel):
    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        if "person 0" in str(messages[-1].content):
            raise RuntimeError("the model crashed on this prompt")
        return super()._generate(messages, stop, run_manager, **kwargs)


def test_unreachable_endpoint_stops_the_run_and_keeps_done_rows(tmp_path):
    from deeppersona_agents.errors import ModelError

    out = tmp_path / "qa.jsonl"
    run_qa(population("s", 1), FakeChatModel(), FakeChatModel(), requests=REQUESTS[:1], out=out, progress=False)
    with pytest.raises(ModelError, match="cannot reach"):
        run_qa(population("s", 2), UnreachableModel(), FakeChatModel(), requests=REQUESTS[:1], out=out,
               progress=False, concurrency=1)
    assert len(load_results(out)) == 1


def test_a_responder_error_fails_only_its_row():
    result = run_qa(population("s", 2), FlakyResponder(), FakeChatModel(), requests=REQUESTS[:1], progress=False)
    bad, good = sorted(result.rows, key=lambda r: r["persona_id"])
    assert bad["status"] == "failed" and "crashed" in bad["error"] and bad["evaluator_calls"] == 0
    assert good["status"] == "ok" and result.model_calls == 3
