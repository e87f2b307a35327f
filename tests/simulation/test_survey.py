"""Mesa survey model, reference loaders and the survey -> compare flow, with fakes and synthetic files."""

from __future__ import annotations

import asyncio
from pathlib import Path

import mesa
import pandas as pd
import pytest
from langchain_core.messages import HumanMessage
from typer.testing import CliRunner

from deeppersona_agents import GenerationConfig, generate_persona
from deeppersona_agents.cli import app
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.evaluation.compare import compare_answers
from deeppersona_agents.evaluation.references import ipip_marginals, read_marginals, wvs7_marginals
from deeppersona_agents.simulation import load_instrument, trait_scores
from deeppersona_agents.simulation.respondents import describe
from deeppersona_agents.simulation.survey import PersonaAgent, SurveyModel
from tests.fakes import FakeChatModel

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


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


def write_wvs_file(path: Path) -> None:
    header = ["B_COUNTRY_ALPHA", "W_WEIGHT", "Q46", "Q57", "Q254"]
    rows = [
        ["IND", 2.0, 1, 1, 1], ["IND", 1.0, 2, 2, 5], ["IND", 1.0, -1, 2, 2], ["IND", 0.5, 4, -2, 1],
        ["DEU", 1.0, 2, 1, 3], ["DEU", 3.0, 3, 2, -5],
    ]
    text = ";".join(f'"{h}"' for h in header) + "\n" + "\n".join(";".join(str(v) for v in r) for r in rows) + "\n"
    path.write_bytes("\ufeff".encode() + text.encode())


def test_wvs_loader_reads_the_official_format_with_weights(tmp_path):
    path = tmp_path / "WVS_Cross-National_Wave_7_csv_v6_0.csv"
    write_wvs_file(path)
    frame = wvs7_marginals(path, items=["Q46", "Q57", "Q254"])
    ind = frame[frame["country"] == "IND"].set_index(["item", "value"])["share"]
    assert ind[("Q46", 1)] == pytest.approx(2.0 / 3.5) and ind[("Q46", 2)] == pytest.approx(1.0 / 3.5)
    assert ind[("Q46", 4)] == pytest.approx(0.5 / 3.5) and ind[("Q46", 3)] == 0
    assert ind[("Q57", 1)] == pytest.approx(2.0 / 4.0)
    assert ind[("Q254", 1)] == pytest.approx(2.5 / 3.5)  # code 5 ("not a national") is not on the scale
    n_valid = frame.set_index(["country", "item"])["n_valid"].groupby(level=[0, 1]).first()
    assert n_valid[("IND", "Q46")] == 3 and n_valid[("IND", "Q254")] == 3 and n_valid[("DEU", "Q254")] == 1
    only_deu = wvs7_marginals(path, countries=["DEU"], items=["Q46"])
    assert set(only_deu["country"]) == {"DEU"}
    assert only_deu.set_index("value")["share"][3] == pytest.approx(0.75)


def test_wvs_loader_rejects_other_files(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ConfigError, match="B_COUNTRY_ALPHA"):
        wvs7_marginals(path)


def test_ipip_loaders_read_both_openpsychometrics_formats(tmp_path):
    ffm = tmp_path / "data-final.csv"
    cols = ["EXT1", "EST1", "country"]
    rows = [[5, 1, "IN"], [4, 0, "IN"], [5, 2, "IN"], [3, 3, "DE"], [0, 0, "NONE"]]
    ffm.write_text("\t".join(cols) + "\n" + "\n".join("\t".join(map(str, r)) for r in rows) + "\n")
    frame = ipip_marginals(ffm).set_index(["country", "item", "value"])["share"]
    assert frame[("IND", "EXT1", 5)] == pytest.approx(2 / 3) and frame[("IND", "EST1", 1)] == pytest.approx(0.5)
    assert ("DEU", "EXT1", 3) in frame.index
    big5 = tmp_path / "data.csv"
    big5.write_text("E1\tN1\tcountry\n2\t5\tKE\n")
    assert ipip_marginals(big5).set_index(["country", "item", "value"])["share"][("KEN", "EST1", 5)] == 1


# Extraversion: EXT1,3,5,7,9 keyed +, EXT2,4,6,8,10 keyed - (score 6 - answer); EST1 alone cannot make a trait.
EXT_ROWS = [
    ([5] * 10, 1, "IN"),  # + items 5, - items 5 -> 1: mean (25 + 5) / 10 = 3.0
    ([5, 1] * 5, 2, "IN"),  # all keyed 5: 5.0
    ([5, 1] * 4 + [5, 0], 3, "IN"),  # EXT10 missed (0): skipped for the trait, still counts for items
    ([3, 5] + [3] * 8, 4, "IN"),  # EXT2 = 5 reverse-keyed to 1: (9 * 3 + 1) / 10 = 2.8
    ([4] * 10, 5, "DE"),  # (5 * 4 + 5 * 2) / 10 = 3.0
]


def write_ipip_file(path: Path, fmt: str) -> None:
    names = [f"EXT{n}" for n in range(1, 11)] + ["EST1"] if fmt == "ffm" else [f"E{n}" for n in range(1, 11)] + ["N1"]
    lines = ["\t".join([*names, "country"])] + ["\t".join(map(str, [*ext, est, c])) for ext, est, c in EXT_ROWS]
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("fmt", ["ffm", "big5"])
def test_ipip_loader_adds_trait_score_distributions(tmp_path, fmt):
    path = tmp_path / ("data-final.csv" if fmt == "ffm" else "data.csv")
    write_ipip_file(path, fmt)
    frame = ipip_marginals(path)
    traits = frame[frame["item"].str.startswith("trait:")]
    assert set(traits["item"]) == {"trait:EXT"}  # EST has one of its ten items only
    ind = traits[traits["country"] == "IND"].set_index("value")["share"]
    assert list(ind.index) == pytest.approx([1 + k / 10 for k in range(41)])  # full 1.0 ... 5.0 grid
    assert ind[2.8] == pytest.approx(1 / 3) and ind[3.0] == pytest.approx(1 / 3) and ind[5.0] == pytest.approx(1 / 3)
    assert ind.sum() == pytest.approx(1) and ind[3.2] == 0 and ind[4.0] == 0
    assert traits[traits["country"] == "DEU"].set_index("value")["share"][3.0] == 1
    n_valid = traits.groupby("country")["n_valid"].first()
    assert n_valid["IND"] == 3 and n_valid["DEU"] == 1
    items = frame[~frame["item"].str.startswith("trait:")].set_index(["country", "item", "value"])
    assert items["n_valid"][("IND", "EXT1", 5)] == 4 and items["n_valid"][("IND", "EXT10", 1)] == 3
    ipip = load_instrument("ipip50")  # the loader scores exactly as trait_scores does
    for ext, _, _ in EXT_ROWS[:2] + EXT_ROWS[3:]:
        score = trait_scores({f"EXT{n}": a for n, a in enumerate(ext, 1)}, ipip)["Extraversion"]
        assert score in set(traits.loc[traits["share"] > 0, "value"])


def test_ipip_cli_writes_item_and_trait_rows_that_compare_accepts(tmp_path):
    path, out = tmp_path / "data-final.csv", tmp_path / "marginals.csv"
    write_ipip_file(path, "ffm")
    result = CliRunner().invoke(app, ["reference", "ipip", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert lines[0] == "country,item,value,share,n_valid"
    assert lines[1] == "DEU,EXT1,1,0.0,1" and "IND,trait:EXT,2.8,0.333" in out.read_text()
    reference = read_marginals(out)
    answers = pd.DataFrame({"persona_id": [1, 2, 1, 2], "country": "IND", "item": ["EXT1", "EXT1", "Q46", "Q46"],
                            "answer": [5, 4, 1, 2], "method": "deep"})
    metrics = compare_answers(answers, reference, n_boot=0)
    assert list(metrics["item"]) == ["EXT1"]  # trait rows are ignored when the answers have no trait items
    scored = pd.DataFrame({"persona_id": [1, 2, 3], "country": "IND", "item": "trait:EXT", "answer": [2.8, 3.0, 5.0],
                           "method": "deep"})
    metrics = compare_answers(pd.concat([answers, scored]), reference, n_boot=0).set_index("item")
    assert metrics.loc["trait:EXT", "js_divergence"] == pytest.approx(0, abs=1e-12)
    assert metrics.loc["trait:EXT", "n_simulated"] == 3


def test_survey_then_compare_with_the_real_india_reference(tmp_path, personas, monkeypatch):
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
    reference = pd.read_csv(SHARED / "wvs7_six_items_marginals.csv")
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
