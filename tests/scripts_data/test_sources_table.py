from __future__ import annotations

import json

import pytest

from tests.scripts_data.scripts import country_files, load

gen = load("sources_table")


def test_readme_table_is_the_one_generated_from_the_shipped_files():
    text = gen.README.read_text(encoding="utf-8")
    assert gen.replace_table(text, gen.render(gen.rows())) == text, (
        "the README's sources table is out of date: run .venv/bin/python scripts/data/sources_table.py"
    )
    assert gen.main(["--check"]) == 0


def test_rows_group_countries_and_collapse_estimated_sections(tmp_path):
    folder = country_files(tmp_path, "KEN", "ARG")
    ken = json.loads((folder / "KEN.json").read_text(encoding="utf-8"))
    ken["urban"].update(source="another source", year=2020, precision="derived", notes="rule",
                        copy={"repository": "o/r", "path": "p.csv", "commit": "a" * 40})
    ken["activity"].update(precision="estimated", source="anything", year=2019)
    (folder / "KEN.json").write_text(json.dumps(ken), encoding="utf-8")
    arg = json.loads((folder / "ARG.json").read_text(encoding="utf-8"))
    arg["activity"].update(precision="estimated", source="something else", year=2023)
    (folder / "ARG.json").write_text(json.dumps(arg), encoding="utf-8")
    rows = gen.rows(folder)
    urban = [r for r in rows if r[0] == "`urban`"]
    assert [r[-1] for r in urban] == ["ARG", "KEN"]
    assert urban[1][1:5] == ["another source", "2020", "derived", "`o/r` `p.csv` @ `aaaaaaaaaaaa`"]
    activity = [r for r in rows if r[0] == "`activity`"]
    assert len(activity) == 1 and activity[0][2:4] == ["2019–2023", "estimated"] and activity[0][-1] == "all 2"
    assert [r[0] for r in rows][0] == "`age_sex`" and rows[-1][0] == "`religion`"


def test_check_fails_on_a_stale_table_and_markers_are_required(tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{gen.START}\n| old |\n{gen.END}\nafter\n", encoding="utf-8")
    assert gen.main(["--check"], readme=readme) == 1
    assert "out of date" in capsys.readouterr().err
    assert gen.main([], readme=readme) == 0
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("intro\n") and text.endswith("\nafter\n") and "| old |" not in text
    assert gen.main(["--check"], readme=readme) == 0
    with pytest.raises(ValueError, match="exactly one"):
        gen.replace_table("no markers", "table")
