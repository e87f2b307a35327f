"""Library errors name Python parameters, never CLI flags; the CLI adds the flags (``cli/_common.fail``)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import typer

from deeppersona_agents.cli._common import fail
from deeppersona_agents.errors import ConfigError, ModelError

PACKAGE = Path(__file__).resolve().parents[1] / "deeppersona_agents"
FLAG = re.compile(r"(?<![\w-])--[a-z]")


def _error_texts(path: Path) -> list[tuple[int, str]]:
    """The string pieces of every ``...Error(...)`` call in a module."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", "")
            if name.endswith("Error"):
                for arg in [*node.args, *(k.value for k in node.keywords)]:
                    out += [(node.lineno, c.value) for c in ast.walk(arg)
                            if isinstance(c, ast.Constant) and isinstance(c.value, str)]
    return out


def test_no_library_error_names_a_cli_flag():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "cli" in path.relative_to(PACKAGE).parts:
            continue
        for line, text in _error_texts(path):
            commands = "`deeppersona" in text or "pip install" in text  # a whole command line, quoted
            if FLAG.search(text) and not commands:
                found.append(f"{path.relative_to(PACKAGE)}:{line}: {text}")
    assert not found, "\n".join(found)


def test_the_cli_turns_parameters_into_flags(capsys):
    cases = [(ConfigError("bad", param="out"), "(option --out)"), (ConfigError("few", param="n"), "(option -n)"),
             (ModelError("slow", param=("concurrency", "requests_per_second")),
              "(options --concurrency, --requests-per-second)")]
    for exc, shown in cases:
        assert isinstance(fail(exc), typer.Exit)
        assert shown in capsys.readouterr().err.replace("\n", " ")
