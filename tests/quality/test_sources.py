from __future__ import annotations

import json
from pathlib import Path

import pytest

from deeppersona_agents.errors import ConfigError
from deeppersona_agents.quality.sources import EvalPersona, detect_format, load_source, truncate

DATA = Path(__file__).resolve().parents[1] / "data" / "evaluation"


def persona_record(pid: str, attributes: list[tuple[str, object]]) -> dict:
    """A minimal valid Persona record, built by hand."""
    return {
        "id": pid, "seed": 1,
        "core": {"age": 30, "gender": "woman", "country": "KEN", "city": "Nairobi", "occupation": "nurse",
                 "name": "Wanjiru"},
        "values": "Family first.", "value_tone": "positive",
        "attitude": {"attitude": "Hopeful.", "details": "Plans ahead.", "coping": "Walks."},
        "stories": ["Moved to the city at nineteen."], "hobbies": ["choir"],
        "attributes": [{"path": p, "value": v, "provenance": "llm"} for p, v in attributes],
        "summary": f"Summary of {pid}.",
        "manifest": {"package_version": "0", "tree_version": "0", "tree_hash": "x", "model": "fake",
                     "embeddings": "fake", "config": {}},
    }


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_persona_jsonl_keeps_every_attribute_in_order(tmp_path):
    path = write_jsonl(tmp_path / "deep.jsonl", [
        persona_record("p1", [("Health > Sleep", "7 hours"), ("Work > Shift", "nights"), ("Health > Smoker", False)]),
        persona_record("p2", [("Work > Team", "ICU")]),
    ])
    assert detect_format(path) == "persona"
    personas = load_source(path)
    assert [p.id for p in personas] == ["p1", "p2"]
    assert personas[0].source == "deep"
    assert personas[0].attributes == [("Health > Sleep", "7 hours"), ("Work > Shift", "nights"),
                                      ("Health > Smoker", "no")]
    assert "Summary of p1." in personas[0].text and "Wanjiru" in personas[0].text


def test_persona_jsonl_bad_line_names_the_line(tmp_path):
    path = tmp_path / "deep.jsonl"
    path.write_text(json.dumps(persona_record("p1", [])) + "\n" + json.dumps({"core": {}, "attributes": []}) + "\n")
    with pytest.raises(ConfigError, match=r"deep\.jsonl, line 2: not a Persona record"):
        load_source(path)


def test_authors_format_flattens_nested_categories():
    """The released file's layout: a top-level metadata entry, and bookkeeping keys in every profile."""
    assert detect_format(DATA / "authors_sample.json") == "authors"
    personas = load_source(DATA / "authors_sample.json", name="authors")
    assert [p.id for p in personas] == ["Profile_1", "Profile_2"]  # "metadata" is not a persona
    first, second = personas
    assert first.id == "Profile_1" and first.source == "authors"
    assert first.attributes == [
        ("Demographic Information > Age", "42"),
        ("Demographic Information > Location > City", "Porto"),
        ("Demographic Information > Location > Country", "Portugal"),
        ("Hobbies, Interests, and Lifestyle > Outdoor Activities > Cycling", "Rides the coastal path every Sunday"),
        ("Hobbies, Interests, and Lifestyle > Outdoor Activities > Fishing", "No"),
        ("Hobbies, Interests, and Lifestyle > Languages Spoken", "Portuguese, English"),
        ("Health > Allergies", "None"),
        ("Health > Smoker", "no"),
    ]
    assert first.text.startswith("Ana is a 42-year-old")
    assert second.text.startswith("Kwame")
    assert second.attributes == [("Career and Work Identity > Occupation", "Baker"),
                                 ("Career and Work Identity > Work Schedule > Shift", "Starts at 4 a.m.")]


def test_personahub_lines_skip_blanks_and_keep_given_ids():
    personas = load_source(DATA / "personahub_sample.jsonl")
    assert detect_format(DATA / "personahub_sample.jsonl") == "personahub"
    assert [p.id for p in personas] == ["personahub_sample-1", "ph-2", "personahub_sample-3"]
    assert all(p.attributes == [] for p in personas)
    assert personas[2].text == "A nurse working night shifts in a busy Lagos hospital."


def test_personahub_bad_line_is_reported_with_its_number():
    with pytest.raises(ConfigError, match=r"line 2: expected"):
        load_source(DATA / "personahub_bad.jsonl")


def test_text_paragraphs_and_lines():
    paragraphs = load_source(DATA / "personas_paragraphs.txt")
    assert detect_format(DATA / "personas_paragraphs.txt") == "text"
    assert [p.text for p in paragraphs] == [
        "A marine biologist in Hobart who studies kelp forests and spends weekends restoring wooden boats.",
        "A first-year law student in Seoul, anxious about exams.",
        "An accountant in Lima who plays in a salsa band.",
    ]
    lines = load_source(DATA / "personas_lines.txt")
    assert [p.text for p in lines] == ["A taxi driver in Nairobi.", "A pastry chef in Lyon."]


def test_unknown_json_and_empty_files_fail_clearly(tmp_path):
    with pytest.raises(ConfigError, match="no known persona"):
        load_source(DATA / "unknown.jsonl")
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    with pytest.raises(ConfigError, match="is empty"):
        load_source(empty)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_source(broken)
    with pytest.raises(ConfigError, match="cannot read"):
        load_source(tmp_path / "missing.jsonl")


def test_render_and_truncate():
    persona = EvalPersona("x", "s", [("A > a", "1"), ("B > b", "2"), ("C > c", "3")], "Free text.")
    assert persona.render(max_attributes=2) == "Free text.\n\nAttributes:\n- A > a: 1\n- B > b: 2"
    short = truncate(persona, 1)
    assert short.attributes == [("A > a", "1")] and persona.attributes[2] == ("C > c", "3")
    assert truncate(persona, 10).attributes == persona.attributes
    assert EvalPersona("t", "s", text="Only text.").render() == "Only text."
