"""Every validator rule fires on a tree that breaks it, and stays quiet on a clean one."""

from __future__ import annotations

import copy
import json

import pytest
from typer.testing import CliRunner

from deeppersona_agents.cli import app
from deeppersona_agents.taxonomy import CATEGORIES, AttributeTree
from deeppersona_agents.taxonomy.validate import validate_tree

LEAVES = [
    {"name": "Chronotype", "type": "category", "options": ["early bird", "night owl"], "description": "sleep timing"},
    {"name": "Favourite Dishes", "type": "list", "description": "dishes they love to eat"},
    {"name": "Weekly Exercise", "type": "number", "unit": "hours per week", "description": "time spent exercising"},
    {"name": "Owns a Bicycle", "type": "boolean", "description": "whether they own a bicycle"},
]


def clean_tree() -> dict:
    cats = []
    for i, name in enumerate(CATEGORIES):
        leaves = [dict(leaf, name=f"{leaf['name']} {chr(65 + i)}x") for leaf in copy.deepcopy(LEAVES)]
        cats.append({"name": name, "description": "a category", "children": [
            {"name": "Main Group", "description": "a group", "children": leaves}]})
    return {"version": "1.0.0", "categories": cats}


def problems(data: dict, embeddings=None, **kw) -> list:
    return validate_tree(AttributeTree.from_dict(data), embeddings, **kw)


def test_clean_tree_passes(embeddings):
    assert problems(clean_tree(), embeddings) == []


def leaf(data: dict) -> dict:
    return data["categories"][0]["children"][0]["children"][0]


@pytest.mark.parametrize(
    ("mutate", "rule"),
    [
        (lambda d: d["categories"].append({"name": "Star Signs", "children": [{"name": "Sign"}]}), "categories"),
        (lambda d: d["categories"].pop(), "categories"),
        (lambda d: d["categories"][0].pop("children"), "structure"),
        (lambda d: leaf(d).update(name="chronotype lowercase"), "naming"),
        (lambda d: leaf(d).update(name="Preferred Smartphone Brand"), "naming"),
        (lambda d: leaf(d).update(name="Retro Shoes 88"), "naming"),
        (lambda d: leaf(d).update(name="Feelings About France"), "naming"),
        (lambda d: leaf(d).update(name="A Very Long Attribute Name That Goes On And On Well Past The Limit"), "naming"),
        (lambda d: d["categories"][0]["children"][0]["children"].append(dict(leaf(d), name="CHRONOTYPE Ax")),
         "duplicate"),
        (lambda d: leaf(d).update(children=[{"name": "Deeper", "children": [{"name": "Deepest",
                                             "description": "too deep"}]}], type=None, options=None), "depth"),
        (lambda d: leaf(d).update(description=""), "types"),
        (lambda d: d["categories"][0]["children"][0]["children"][2].update(unit=None), "types"),
        (lambda d: leaf(d).update(options=["same", "Same"]), "types"),
        (lambda d: d["categories"][0]["children"][0]["children"].extend(
            [dict(LEAVES[1], name=f"Extra Attribute {chr(65 + i)}") for i in range(20)]), "balance"),
    ],
)
def test_each_rule_fires(mutate, rule):
    data = clean_tree()
    mutate(data)
    found = problems(data)
    assert found, f"rule {rule} did not fire"
    assert rule in {p.rule for p in found}
    assert all(p.path for p in found)


def test_near_duplicate_leaves_under_one_parent_fire(embeddings):
    data = clean_tree()
    group = data["categories"][0]["children"][0]["children"]
    group.append({"name": "Job Title", "type": "text", "description": "what their job is called"})
    group.append({"name": "Job Titles", "type": "text", "description": "the title of their job"})
    found = problems(data, embeddings)
    assert [p.rule for p in found] == ["near-duplicate"] and "Job Title" in found[0].message


def test_partial_trees_skip_whole_tree_rules():
    data = clean_tree()
    data["categories"] = data["categories"][:1]
    assert problems(data, partial=True) == []
    assert {p.rule for p in problems(data)} == {"categories", "balance"}


def test_cli_validate_prints_paths_and_fails(tmp_path):
    data = clean_tree()
    leaf(data)["name"] = "Preferred Smartphone Brand"
    path = tmp_path / "tree.json"
    path.write_text(json.dumps(data))
    result = CliRunner().invoke(app, ["taxonomy", "validate", str(path), "--no-near-duplicates"])
    assert result.exit_code == 1
    assert "Demographic Information > Main Group > Preferred Smartphone Brand: [naming]" in result.output


def test_cli_validate_passes_on_the_shipped_tree():
    result = CliRunner().invoke(app, ["taxonomy", "validate"])
    assert result.exit_code == 0, result.output


def test_cli_stats_json_and_show(tree):
    result = CliRunner().invoke(app, ["taxonomy", "stats", "--json"])
    stats = json.loads(result.output)
    assert {"nodes", "leaves", "categories"} <= set(stats) and stats["leaves"] == len(tree.leaves)
    assert sum(c["leaves"] for c in stats["categories"].values()) == stats["leaves"]
    shown = CliRunner().invoke(app, ["taxonomy", "show", "Physical and Health Characteristics > Sleep"])
    assert shown.exit_code == 0 and "Chronotype" in shown.output
    missing = CliRunner().invoke(app, ["taxonomy", "show", "Nope"])
    assert missing.exit_code == 1 and "no node" in missing.output
