"""Reference loaders (WVS-7, IPIP) on synthetic files in the official formats."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from deeppersona_agents.cli import app
from deeppersona_agents.comparison.compare import compare_answers
from deeppersona_agents.comparison.references import ipip_marginals, read_marginals, wvs7_marginals
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.simulation import load_instrument, trait_scores


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
