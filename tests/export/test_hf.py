"""`deeppersona export --hf`: Parquet tables a `datasets` loader reads, a card that says what they are."""

from __future__ import annotations

import json
import shutil
import sys

import pyarrow.parquet as pq
import pytest
import yaml
from typer.testing import CliRunner

from deeppersona_agents.cli import app
from deeppersona_agents.demographics.tables import load_table
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.export import export_hf
from deeppersona_agents.export.card import size_category
from deeppersona_agents.persona import Persona
from deeppersona_agents.population.export import ATTRIBUTE_COLUMNS, PERSONA_COLUMNS

runner = CliRunner()
ARROW_TYPES = {"string": "string", "int64": "int64", "list<string>": "list<element: string>"}


@pytest.fixture(scope="module")
def dataset(population, tmp_path_factory):
    out = tmp_path_factory.mktemp("hf") / "ke-hf"
    done = runner.invoke(app, ["export", str(population), "--hf", str(out), "--license", "cc-by-4.0"])
    assert done.exit_code == 0, done.output
    return out


def card_header(folder):
    text = (folder / "README.md").read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n")[1]), text


def test_header_points_datasets_at_the_tables(dataset):
    header, _ = card_header(dataset)
    assert header["license"] == "cc-by-4.0" and header["size_categories"] == ["n<1K"]
    configs = {c["config_name"]: c for c in header["configs"]}
    assert set(configs) == {"personas", "attributes"} and configs["personas"]["default"] is True
    for name, config in configs.items():
        [files] = config["data_files"]
        assert files["split"] == "train" and (dataset / files["path"]).is_file()
        assert files["path"] == f"data/{name}.parquet"
    assert sorted(p.name for p in dataset.rglob("*")) == ["README.md", "attributes.parquet", "data",
                                                          "personas.parquet"]


@pytest.mark.parametrize(("table", "columns"), [("personas", PERSONA_COLUMNS), ("attributes", ATTRIBUTE_COLUMNS)])
def test_schema_matches_the_documented_fields(dataset, table, columns):
    schema = pq.read_schema(dataset / "data" / f"{table}.parquet")
    assert schema.names == [c.name for c in columns]
    assert [str(t) for t in schema.types] == [ARROW_TYPES[c.type] for c in columns]
    _, card = card_header(dataset)
    for column in columns:  # every field is in the card with its type and meaning
        assert f"| `{column.name}` | {column.type} | {column.meaning} |" in card


def test_values_round_trip(dataset, personas):
    rows = pq.read_table(dataset / "data" / "personas.parquet").to_pylist()
    assert [r["index"] for r in rows] == [0, 1, 2]
    for row, persona in zip(rows, personas, strict=True):
        assert Persona.model_validate_json(row["record"]) == persona
        assert (row["persona_id"], row["seed"], row["name"], row["age"], row["country"]) == (
            persona.id, persona.seed, persona.core.name, persona.core.age, persona.core.country)
        assert row["stories"] == persona.stories and row["hobbies"] == persona.hobbies
        assert row["facts"] == [f"{f.kind}: {f.text}" for f in persona.facts]
        assert row["demo_education"] == persona.core.demographics["education"]
        assert row["attribute_count"] == len(persona.attributes)
    attributes = pq.read_table(dataset / "data" / "attributes.parquet").to_pylist()
    expected = [(p.id, a.path, a.value, a.provenance) for p in personas for a in p.attributes]
    assert [(r["persona_id"], r["path"], json.loads(r["value_json"]), r["provenance"]) for r in attributes] == expected


def test_card_names_sources_seeds_model_and_config(dataset, population, personas):
    _, card = card_header(dataset)
    manifest = json.loads((population / "manifest.json").read_text())
    assert "Run seed 4" in card and "3 synthetic personas (3 of 3 asked for) from KEN (3)" in card
    assert "tests.fakes:FakeChatModel" in card and personas[0].manifest.model in card
    assert personas[0].manifest.tree_hash in card
    assert json.dumps(manifest["fingerprint"]["config"], indent=2, sort_keys=True) in card
    table = load_table("KEN")
    for section, body in table.items():
        if isinstance(body, dict) and "source" in body:
            assert f"| KEN | `{section}` | {body['source']} | {body['year']} |" in card
    assert "`chitrams/populaR` `data/wpp_age_sex_fiveyr.rda` @ `d2e3cea48874`" in card  # the age_sex copy
    assert "`cc-by-4.0`, as chosen by the publisher" in card


def test_a_personas_file_without_manifest_exports_too(population, personas, tmp_path):
    source = tmp_path / "mine.jsonl"
    shutil.copy(population / "personas.jsonl", source)
    out = export_hf(source, tmp_path / "hf", title="Three Kenyans")
    _, card = card_header(out)
    assert "# Three Kenyans" in card and "Run seed" not in card
    assert f"from {min(p.seed for p in personas)} to {max(p.seed for p in personas)}" in card
    assert pq.read_table(out / "data" / "personas.parquet").num_rows == 3


def test_force_replaces_an_earlier_export_only(population, tmp_path):
    out = export_hf(population, tmp_path / "hf")
    with pytest.raises(ConfigError, match="force=True"):
        export_hf(population, out)
    (out / "data" / "personas.parquet").write_bytes(b"stale")
    export_hf(population, out, force=True)
    assert pq.read_table(out / "data" / "personas.parquet").num_rows == 3
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "notes.txt").write_text("keep me")
    with pytest.raises(ConfigError, match="not a Hugging Face dataset folder written by deeppersona"):
        export_hf(population, theirs, force=True)
    assert [p.name for p in theirs.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hf", "theirs"]  # no staging folder left


def test_a_bad_record_half_way_leaves_nothing(population, tmp_path):
    source = tmp_path / "broken.jsonl"
    lines = (population / "personas.jsonl").read_text().splitlines()
    source.write_text("\n".join([*lines[:2], '{"id": "x"}', lines[2]]) + "\n")
    with pytest.raises(ConfigError, match="line 3 is not a persona record"):
        export_hf(source, tmp_path / "hf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.jsonl"]


def test_without_pyarrow_the_cli_names_the_extra_and_writes_nothing(population, tmp_path, monkeypatch):
    for name in [m for m in sys.modules if m == "pyarrow" or m.startswith("pyarrow.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow -> ImportError
    for args in (["--hf", str(tmp_path / "hf")], ["--parquet", "--out", str(tmp_path / "pq")]):
        done = runner.invoke(app, ["export", str(population), *args])
        assert done.exit_code == 1, done.output
        assert "pip install 'deeppersona-agents[hf]'" in " ".join(done.output.split())
        assert "Traceback" not in done.output and done.exception is None or isinstance(done.exception, SystemExit)
    assert list(tmp_path.iterdir()) == []
    ok = runner.invoke(app, ["export", str(population), "--edsl", str(tmp_path / "a.json")])
    assert ok.exit_code == 0, ok.output  # the other formats do not need pyarrow


@pytest.mark.parametrize(("n", "label"), [(0, "n<1K"), (999, "n<1K"), (1000, "1K<n<10K"), (250_000, "100K<n<1M"),
                                          (5_000_000, "1M<n<10M")])
def test_size_category(n, label):
    assert size_category(n) == label


def test_datasets_loads_the_folder(dataset, personas):
    datasets = pytest.importorskip("datasets", reason="the `datasets` package is not installed here")
    rows = datasets.load_dataset(str(dataset), "personas", split="train")
    assert rows.num_rows == 3 and rows[0]["name"] == personas[0].core.name
    attributes = datasets.load_dataset(str(dataset), "attributes", split="train")
    assert attributes.num_rows == sum(len(p.attributes) for p in personas)
