"""The top-level API: a small, curated set of names that covers generate, populate and survey/compare."""

from __future__ import annotations

import subprocess
import sys

import deeppersona_agents

EXPECTED = [
    "ConfigError",
    "DeepPersonaError",
    "EmbeddedChatModel",
    "GenerationConfig",
    "MiniLMEmbeddings",
    "ModelSpec",
    "Persona",
    "PersonaAgent",
    "SurveyModel",
    "compare_answers",
    "create_persona_generator",
    "generate_persona",
    "load_instrument",
    "load_tree",
    "spawn_population",
]


def test_all_is_exactly_the_curated_api():
    # httpx-style: the list is pinned here, so adding or dropping a public name is a deliberate change
    assert deeppersona_agents.__all__ == EXPECTED
    assert len(EXPECTED) <= 15


def test_every_public_name_resolves_to_its_home_object():
    from deeppersona_agents.population.run import spawn_population
    from deeppersona_agents.simulation.survey import SurveyModel

    assert deeppersona_agents.spawn_population is spawn_population
    assert deeppersona_agents.SurveyModel is SurveyModel
    for name in EXPECTED:
        value = getattr(deeppersona_agents, name)
        assert value.__name__ == name, name


def test_dir_lists_the_public_names_only():
    assert dir(deeppersona_agents) == EXPECTED


def test_unknown_names_raise_attribute_error():
    import pytest

    with pytest.raises(AttributeError, match="make_deps"):
        deeppersona_agents.make_deps  # noqa: B018 - plumbing is not top-level API


def test_import_is_lazy():
    code = "import sys, deeppersona_agents; print(sorted(m for m in sys.modules if m.startswith('langgraph')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"  # nothing heavy is imported until a name is used
