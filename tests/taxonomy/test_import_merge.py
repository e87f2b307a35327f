from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from deeppersona_agents.cli import app
from deeppersona_agents.errors import TaxonomyError
from deeppersona_agents.taxonomy.importer import import_authors_tree, map_category
from deeppersona_agents.taxonomy.merge import merge_similar, normalise_name

AUTHORS_SAMPLE = {
    "Demographic Information": {"Age": {}, "Location": {"City": {}, "Country": {}}},
    "Demographics": {"Age": {}, "Marital_Status": {}},
    "Career and Work Identity": {"JobRole": {}, "Position": {}, "Profession": {},
                                 "Income": {"AnnualIncome": {}, "HouseholdEarnings": {}}},
    "Physical & Health Characteristics": {"SleepQuality": {}, "DietType": {}},
    "Miscellaneous": {"Stuff": {}},
}


@pytest.mark.parametrize(("raw", "name"), [("JobRole", "Job Role"), ("marital_status", "Marital Status"),
                                           ("  sleep   quality ", "Sleep Quality"), ("IQ score", "IQ Score"),
                                           ("Level of Education", "Level of Education")])
def test_names_are_normalised(raw, name):
    assert normalise_name(raw) == name


@pytest.mark.parametrize(("key", "category"), [
    ("Demographics", "Demographic Information"),
    ("Physical & Health Characteristics", "Physical and Health Characteristics"),
    ("Hobbies and Interests", "Hobbies, Interests, and Lifestyle"),
    ("Daily Routine", "Lifestyle and Daily Routine"),
    ("Values & Beliefs", "Core Values, Beliefs, and Philosophy"),
])
def test_category_variants_map_onto_the_twelve(key, category):
    assert map_category(key) == category


def test_import_maps_merges_and_reports(embeddings):
    tree, report = import_authors_tree(AUTHORS_SAMPLE, embeddings)
    keys = {leaf.key for leaf in tree.leaves}
    assert "Demographic Information > Age" in keys and "Demographic Information > Marital Status" in keys
    assert sum(k.endswith("> Age") for k in keys) == 1  # the two spellings of the category were merged
    assert report["unmapped"] == ["Miscellaneous"] and report["merges"] == 0


def test_similarity_merge_joins_synonyms_and_keeps_distinct_apart(embeddings):
    tree, report = import_authors_tree(AUTHORS_SAMPLE, embeddings, merge_threshold=0.7)
    keys = {leaf.key for leaf in tree.leaves}
    career = {k for k in keys if k.startswith("Career")}
    assert career == {"Career and Work Identity > Job Role", "Career and Work Identity > Income > Annual Income"}
    assert {"Physical and Health Characteristics > Sleep Quality",
            "Physical and Health Characteristics > Diet Type"} <= keys
    assert report["merges"] == 3


def test_merge_confirmation_can_veto(embeddings):
    nodes = [{"name": "Annual Income"}, {"name": "Household Earnings"}]
    merged, n = merge_similar([dict(x) for x in nodes], embeddings, 0.7, confirm=lambda p, a, b: False)
    assert n == 0 and len(merged) == 2
    merged, n = merge_similar([dict(x) for x in nodes], embeddings, 0.7, confirm=lambda p, a, b: True)
    assert n == 1 and len(merged) == 1


def test_import_rejects_non_objects(tmp_path):
    path = tmp_path / "t.json"
    path.write_text("[1, 2]")
    with pytest.raises(TaxonomyError, match="JSON object"):
        import_authors_tree(path)


def test_cli_import_writes_a_loadable_tree(tmp_path):
    src, out = tmp_path / "authors.json", tmp_path / "ours.json"
    src.write_text(json.dumps(AUTHORS_SAMPLE))
    result = CliRunner().invoke(app, ["taxonomy", "import", str(src), "--out", str(out), "--merge-threshold", "0.7"])
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output and "Miscellaneous" in result.output
    stats = CliRunner().invoke(app, ["taxonomy", "stats", str(out), "--json"])
    assert json.loads(stats.output)["leaves"] == 8


def test_a_curated_leaf_keeps_its_condition_when_a_new_synonym_merges_into_it(embeddings):
    curated = {"name": "Annual Income", "type": "number", "unit": "currency per year", "description": "x",
               "applies_if": {"activity": ["employed", "self_employed"]}, "_base": True}
    merged, n = merge_similar([curated, {"name": "Household Earnings", "type": "text"}], embeddings, 0.7)
    assert n == 1 and merged == [curated] and curated["applies_if"] == {"activity": ["employed", "self_employed"]}
    branch = {"name": "Work Schedule", "type": "text", "applies_if": {"activity": ["employed"]}, "_base": True}
    merged, _ = merge_similar([branch, {"name": "Work Schedules", "children": [{"name": "Shift Pattern"}]}],
                              embeddings, 0.7)
    assert merged[0]["children"] and "applies_if" not in merged[0]  # became a branch: leaf-only fields go
