"""Mesa survey model, reference loaders and the survey -> compare flow, with fakes and synthetic files."""

from __future__ import annotations

import asyncio

import mesa
import pandas as pd
import pytest
from langchain_core.messages import HumanMessage
from typer.testing import CliRunner

from deeppersona_agents import GenerationConfig, generate_persona
from deeppersona_agents.cli import app
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.simulation.respondents import describe
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
    assert all(r["answer"] in valid[r["item"]] for r in first)
    sim = SurveyModel(personas, FakeChatModel(), items=["Q46"], rng=0)
    assert all(isinstance(a, PersonaAgent) and isinstance(a, mesa.Agent) for a in sim.agents)
    sim.step()
    asyncio.run(sim.astep())
    assert sim.steps == 2 and {r["wave"] for r in sim.rows} == {1, 2}
    frame = sim.datacollector.get_agent_vars_dataframe()
    assert len(frame) == 2 * 4 and all(len(v["Q46"]) in (1, 2) for v in frame["answers"])


def test_invalid_answers_are_retried_then_missing(personas):
    model = FakeChatModel(tamper=lambda n, answer: '{"answer": 99}')
    sim = SurveyModel(personas[:2], model, items=["Q46"], attempts=2, rng=0)
    sim.step()
    assert [r["answer"] for r in sim.rows] == [None, None]
    assert model.calls == 4  # two attempts each, then recorded as missing, never invented


def test_methods_describe_the_respondent_differently(personas):
    p = personas[0]
    deep, cultural = describe(p, "deep"), describe(p, "cultural")
    assert p.summary in deep and p.values in deep and "India" in cultural and p.core.name not in cultural
    assert describe(p, "bare") == ""
    assert len(describe(p, "shallow").splitlines()) <= 11
    assert describe(p, "deep", depth=0).count("\n- ") == 0
    assert describe(p, "deep", depth=5).count("\n- ") == 5
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
