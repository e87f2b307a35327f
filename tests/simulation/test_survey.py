"""Mesa survey model, reference loaders and the survey -> compare flow, with fakes and synthetic files."""

from __future__ import annotations

import asyncio
import json

import mesa
import numpy as np
import pandas as pd
import pytest
from langchain_core.messages import HumanMessage
from typer.testing import CliRunner

from deeppersona_agents import GenerationConfig, generate_persona
from deeppersona_agents.cli import app
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.simulation import load_instrument
from deeppersona_agents.simulation.survey import PersonaAgent, SurveyModel
from tests.fakes import FakeChatModel


@pytest.fixture(scope="module")
def personas(embeddings):
    return [generate_persona({"age": str(20 + 10 * s)}, country="IND", seed=s, model=FakeChatModel(),
                             embeddings=embeddings, config=GenerationConfig(attributes=20)) for s in range(4)]


class SeededFake(FakeChatModel):
    """A fake whose answers depend on its sampling ``seed``, as an endpoint's do."""

    seed: int | None = None

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        return super()._generate([*messages, HumanMessage(f"sampling seed {self.seed}")], stop, run_manager, **kwargs)


def test_agents_answer_with_valid_codes_and_are_reproducible(personas):
    def run(seed: int) -> list[dict]:
        sim = SurveyModel(personas, SeededFake(), items=["Q46", "Q57", "Q184"], samples=2, rng=seed)
        sim.step()
        return sim.rows

    first = run(1)
    assert first == run(1)  # the same run seed gives the same per-call sampling seeds
    assert [r["answer"] for r in run(2)] != [r["answer"] for r in first]
    by_sample = {s: [r["answer"] for r in first if r["sample"] == s] for s in (0, 1)}
    assert by_sample[0] != by_sample[1]  # each sample is drawn with its own seed
    assert len(first) == 4 * 3 * 2
    valid = {"Q46": {1, 2, 3, 4}, "Q57": {1, 2}, "Q184": set(range(1, 11))}
    assert all(r["answer"] in valid[r["item"]] and r["reason"] == "" for r in first)


def test_agents_step_through_agentset_do_and_the_collector_reports_each_wave(personas, monkeypatch):
    sim = SurveyModel(personas, FakeChatModel(), items=["Q46", "Q57"], rng=0)
    assert all(isinstance(a, PersonaAgent) and isinstance(a, mesa.Agent) for a in sim.agents)
    stepped = []
    original = PersonaAgent.step
    monkeypatch.setattr(PersonaAgent, "step", lambda self: (stepped.append(self.unique_id), original(self))[1])
    sim.step()
    asyncio.run(sim.astep())
    assert sorted(stepped) == sorted(2 * [a.unique_id for a in sim.agents])  # scheduled by agents.do("step")
    assert sim.steps == 2 and {r["wave"] for r in sim.rows} == {1, 2}
    waves = sim.datacollector.get_model_vars_dataframe()
    assert waves["answered"].tolist() == [8, 8] and waves["missing"].tolist() == [0, 0]  # per wave, not running
    agents = sim.datacollector.get_agent_vars_dataframe()
    assert set(agents.columns) == {"answered", "missing"} and (agents["answered"] == 2).all()
    assert all(len(a.answers["Q46"]) == 2 for a in sim.agents)


@pytest.mark.parametrize("rng", [7, np.int64(7), np.random.default_rng(7), None])
def test_rng_accepts_what_mesa_accepts_and_records_the_seed(personas, rng):
    sim = SurveyModel(personas[:1], FakeChatModel(), items=["Q46"], rng=rng)
    assert isinstance(sim.seed, int)
    if isinstance(rng, int | np.integer):
        assert sim.seed == 7
    again = SurveyModel(personas[:1], FakeChatModel(), items=["Q46"], rng=sim.seed)
    assert again.seed == sim.seed


def test_invalid_answers_are_retried_then_missing_with_the_reason(personas):
    model = FakeChatModel(tamper=lambda n, answer: '{"answer": 99}')
    sim = SurveyModel(personas[:2], model, items=["Q46"], attempts=2, rng=0)
    sim.step()
    assert [r["answer"] for r in sim.rows] == [None, None]
    assert all(r["reason"].startswith("parse failure") and "exactly one of [1, 2, 3, 4]" in r["reason"]
               for r in sim.rows)
    assert model.calls == 4  # two attempts each, then recorded as missing, never invented


def test_questionnaire_mode_asks_blocks_and_cuts_calls_at_least_8x(personas):
    wvs = load_instrument("wvs7")
    per_item = SurveyModel(personas[:2], FakeChatModel(), rng=0)
    per_item.step()
    blocks = SurveyModel(personas[:2], FakeChatModel(), mode="questionnaire", block_size=20, rng=0)
    blocks.step()
    assert len(wvs.items) == 57
    assert per_item.usage.llm_calls == 2 * 57 and blocks.usage.llm_calls == 2 * 3
    assert per_item.usage.llm_calls / blocks.usage.llm_calls >= 8
    keys = {(r["persona_id"], r["item"], r["sample"]) for r in blocks.rows}
    assert len(blocks.rows) == len(keys) == 2 * 57
    assert all(r["answer"] in wvs.item(r["item"]).options for r in blocks.rows)


def test_questionnaire_block_failures_name_every_item(personas):
    model = FakeChatModel(tamper=lambda n, answer: json.dumps({**answer, "Q46": 99}))
    sim = SurveyModel(personas[:1], model, items=["Q45", "Q46", "Q57"], mode="questionnaire", rng=0)
    sim.step()
    assert model.calls == 2 and [r["answer"] for r in sim.rows] == [None, None, None]
    assert "Q46 must be exactly one of" in sim.rows[0]["reason"]
    with pytest.raises(ConfigError, match="mode"):
        SurveyModel(personas, FakeChatModel(), mode="telepathy")
    with pytest.raises(ConfigError, match="unknown method"):
        SurveyModel(personas, FakeChatModel(), method="telepathy")


def test_survey_then_compare_with_the_real_india_reference(tmp_path, personas, monkeypatch, shared_data):
    import deeppersona_agents.llm as llm

    monkeypatch.setattr(llm, "resolve_chat_model", lambda m=None, **k: m or FakeChatModel())
    people = tmp_path / "personas.jsonl"
    people.write_text("\n".join(p.model_dump_json() for p in personas) + "\n")
    runner = CliRunner()
    result = runner.invoke(app, ["survey", str(people), "--items", "Q45,Q46,Q57", "--method", "deep", "--out",
                                 str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    answers = pd.read_csv(tmp_path / "run" / "answers.csv")
    assert list(answers.columns[:5]) == ["persona_id", "country", "item", "answer", "method"] and len(answers) == 12
    reference = pd.read_csv(shared_data / "wvs7_six_items_marginals.csv")
    reference = reference[reference["country"] == "IND"].rename(columns={"weighted_share": "share"})
    ref_path = tmp_path / "ind.csv"
    reference[["country", "item", "value", "share", "n_valid"]].to_csv(ref_path, index=False)
    result = runner.invoke(app, ["compare", str(tmp_path / "run" / "answers.csv"), "--reference", str(ref_path),
                                 "--out", str(tmp_path / "report"), "--bootstrap", "100"])
    assert result.exit_code == 0, result.output
    metrics = pd.read_csv(tmp_path / "report" / "metrics.csv")
    assert set(metrics["item"]) == {"Q45", "Q46", "Q57"}
    assert {"ks", "wasserstein", "js_divergence", "mean_diff", "ks_low", "ks_high"} <= set(metrics.columns)
    assert (metrics["ks"].between(0, 1)).all() and (metrics["ks_low"] <= metrics["ks_high"]).all()
    assert "| average | deep |" in (tmp_path / "report" / "report.md").read_text()
    assert (tmp_path / "report" / "IND_Q46.png").stat().st_size > 1000


def test_bad_inputs_are_clear(tmp_path):
    runner = CliRunner()
    bad = tmp_path / "p.jsonl"
    bad.write_text('{"id": 1}\n')
    result = runner.invoke(app, ["survey", str(bad), "--out", str(tmp_path / "run")])
    assert result.exit_code == 1 and "record 1" in result.output
    result = runner.invoke(app, ["compare", str(tmp_path / "none.csv"), "--reference", str(bad), "--out",
                                 str(tmp_path / "r")])
    assert result.exit_code == 1 and "cannot read" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.jsonl"]  # neither command left any output behind


class RecordingFake(FakeChatModel):
    """The fake, keeping every prompt it is sent."""

    prompts: list = []

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        self.prompts.append(list(messages))
        return super()._generate(messages, stop, run_manager, **kwargs)


def test_each_persona_sends_a_byte_identical_prefix_with_every_item(personas, embeddings):
    from deeppersona_agents.simulation.respondents import persona_block

    model = RecordingFake(prompts=[])
    sim = SurveyModel(personas[:2], model, items=["Q45", "Q46", "Q57", "Q184"], depth=3, embeddings=embeddings,
                      concurrency=1)
    sim.step()
    for persona in personas[:2]:
        block = persona_block(persona, "deep")
        systems = [m[0].content for m in model.prompts if m[0].content.startswith(block)]
        assert len(systems) == 4  # every item: the same persona block first, then its attributes, then the item
        assert all(s[len(block):].count("\n- ") == 3 for s in systems)
    wvs = load_instrument("wvs7")
    asked = [next(code for code in ("Q45", "Q46", "Q57", "Q184")
                  if m[-1].content.endswith(wvs.item(code).prompt("Indian"))) for m in model.prompts]
    assert sorted(asked) == sorted(2 * ["Q45", "Q46", "Q57", "Q184"])  # the item and its options come last


def test_progress_shows_one_bar_per_wave_and_is_off_by_default(personas, capsys):
    quiet = SurveyModel(personas[:2], FakeChatModel(), items=["Q46", "Q57"], rng=0)
    quiet.step()
    assert capsys.readouterr().err == ""
    shown = SurveyModel(personas[:2], FakeChatModel(), items=["Q46", "Q57"], rng=0, progress=True)
    shown.step()
    bar = capsys.readouterr().err
    assert "deep wave" in bar and "4/4" in bar and "call" in bar
    assert shown.rows == quiet.rows
