"""CLI options: fixed choices are enums that mirror the library, ``-n/--count``, ``--out``, the ray extra."""

from __future__ import annotations

import sys
import typing

import pytest
from typer.testing import CliRunner

from deeppersona_agents.cli import _common as common
from deeppersona_agents.cli import app

runner = CliRunner()
FAKE = "tests.fakes:FakeChatModel"
WIDE = {"COLUMNS": "250"}  # rich help on one line per option


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_enums_mirror_the_library_constants():
    from deeppersona_agents.comparison.compare import WEIGHT_TARGETS
    from deeppersona_agents.generation.config import GenerationConfig
    from deeppersona_agents.llm import STRUCTURED_METHODS
    from deeppersona_agents.population.spec import Engine
    from deeppersona_agents.simulation.respondents import METHODS
    from deeppersona_agents.simulation.survey import MODES

    fields = GenerationConfig.model_fields
    pairs = [
        (common.StructuredMethod, STRUCTURED_METHODS),
        (common.Engine, typing.get_args(Engine)),
        (common.SummaryStyle, typing.get_args(fields["summary_style"].annotation)),
        (common.Demographics, typing.get_args(fields["demographics"].annotation)),
        (common.RespondentMethod, METHODS),
        (common.SurveyMode, MODES),
        (common.WeightTo, WEIGHT_TARGETS),
    ]
    for enum, library in pairs:
        assert [member.value for member in enum] == list(library), enum.__name__


@pytest.mark.parametrize(("command", "option", "choices"), [
    ("generate", "--summary-style", "concise|detailed"),
    ("generate", "--structured-method", "json_schema|function_calling|json_mode"),
    ("generate", "--demographics", "census|uniform"),
    ("population", "--engine", "local|ray"),
    ("population", "--demographics", "census|uniform"),
    ("enrich", "--engine", "local|ray"),
    ("survey", "--method", "deep|cultural|shallow|oneliner|bare"),
    ("survey", "--mode", "item|questionnaire"),
    ("survey", "--structured-method", "json_schema|function_calling|json_mode"),
    ("compare", "--weight-to", "census"),
    ("demographics sample", "--demographics", "census|uniform"),
    ("evaluate qa", "--structured-method", "json_schema|function_calling|json_mode"),
    ("taxonomy build", "--structured-method", "json_schema|function_calling|json_mode"),
])
def test_help_lists_the_choices(command, option, choices):
    result = runner.invoke(app, [*command.split(), "--help"], env=WIDE)
    assert result.exit_code == 0
    line = next(row for row in result.output.splitlines() if f"{option} " in row)
    assert f"[{choices}]" in line.replace("<", "[").replace(">", "]"), line


def test_shell_completion_offers_the_choices():
    from typer.main import get_command

    command = get_command(app).commands["population"]  # type: ignore[attr-defined]
    engine = next(p for p in command.params if p.name == "engine")
    context = command.context_class(command)
    assert [item.value for item in engine.shell_complete(context, "")] == ["local", "ray"]
    assert [item.value for item in engine.shell_complete(context, "r")] == ["ray"]


def test_a_wrong_choice_exits_2_with_the_choices(tmp_path):
    result = runner.invoke(app, ["survey", str(tmp_path / "p.jsonl"), "--out", str(tmp_path / "s"),
                                 "--mode", "block"], env=WIDE)
    assert result.exit_code == 2
    assert "'item', 'questionnaire'" in _flat(result.output)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["population", "enrich", "demographics sample"])
def test_count_is_the_long_form_of_n(command):
    result = runner.invoke(app, [*command.split(), "--help"], env=WIDE)
    assert any("--count" in row and "-n" in row for row in result.output.splitlines()), result.output


def test_count_and_n_draw_the_same_people(tmp_path):
    short, long = tmp_path / "short.csv", tmp_path / "long.csv"
    for flag, out in (("-n", short), ("--count", long)):
        result = runner.invoke(app, ["demographics", "sample", "--country", "KEN", flag, "5", "--out", str(out)])
        assert result.exit_code == 0, result.output
    assert short.read_bytes() == long.read_bytes() and len(short.read_text().splitlines()) == 6


def test_population_accepts_count(tmp_path):
    out = tmp_path / "run"
    result = runner.invoke(app, ["population", "--country", "KEN", "--count", "1", "--attributes", "12", "--out",
                                 str(out), "--factory", FAKE, "--quiet"])
    assert result.exit_code == 0, result.output
    assert len((out / "personas.jsonl").read_text().splitlines()) == 1


def test_missing_out_keeps_the_old_default_for_one_release_with_a_warning(tmp_path, monkeypatch):
    from tests.fakes import FakeChatModel

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("deeppersona_agents.embedded.EmbeddedChatModel", lambda *a, **k: FakeChatModel())
    result = runner.invoke(app, ["generate", "--attributes", "12", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "--out will be required" in _flat(result.output)
    assert (tmp_path / "persona.json").is_file()


@pytest.mark.parametrize("command", [
    "population --country KEN -n 1", "survey p.jsonl", "compare a.csv --reference r.csv",
    "demographics sample --country KEN -n 1", "taxonomy import t.json", "reference wvs7 f.csv",
])
def test_out_is_required(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, command.split())
    assert result.exit_code == 2
    assert "--out" in _flat(result.output) and "Missing option" in _flat(result.output)


def test_ray_engine_without_ray_names_the_extra_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if the ray extra were not installed
    out = tmp_path / "run"
    result = runner.invoke(app, ["population", "--country", "KEN", "-n", "1", "--attributes", "12", "--out", str(out),
                                 "--factory", FAKE, "--engine", "ray", "--quiet"])
    text = _flat(result.output)
    assert result.exit_code == 1, result.output
    assert "pip install 'deeppersona-agents[ray]'" in text and "(option --engine)" in text
    assert "Traceback" not in result.output
    assert not out.exists()
