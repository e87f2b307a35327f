"""TinyTroupe export: one ``<index>_<name>.agent.json`` agent specification per persona.

Sits after populations, beside the other exporters of this package. The format was read from
microsoft/TinyTroupe at commit 8378a1138f8316031769f3a86473aa9f51677128: ``examples/agents/Lisa.agent.json``
and ``Oscar.agent.json`` (a ``{"type": "TinyPerson", "persona": {...}}`` object; persona keys ``name``,
``age``, ``gender``, ``nationality``, ``residence``, ``education``, ``occupation`` {title, organization,
description}, ``personality`` {traits}, ``preferences`` {interests}, ``beliefs``, ``relationships``
[{name, description}], ``other_facts``) and ``tinytroupe/agent/tiny_person.py``
(``TinyPerson.load_specification`` / ``load_specifications_from_folder(folder, ".agent.json")``: only
``name`` is required, and the prompt template ``prompts/tiny_person.mustache`` shows the whole persona
object to the model as JSON, so keys beyond the examples' reach the agent too). Load them with::

    TinyPerson.load_specifications_from_folder("tt/", auto_rename_agent=True)  # names repeat in big runs
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from deeppersona_agents._io import write_text_atomic
from deeppersona_agents.export.source import check_new_output, open_source, staged_folder
from deeppersona_agents.persona import Persona, format_value

SUFFIX = ".agent.json"


def tinytroupe_spec(persona: Persona) -> dict[str, Any]:
    """The TinyTroupe agent specification of ``persona`` (a JSON-ready dict)."""
    from deeppersona_agents.simulation.respondents import HOUSEHOLD, identity, nationality

    who = dict(identity(persona))
    people = [f.text for f in persona.facts if f.kind == "person"]
    employers = [f.text for f in persona.facts if f.kind == "employer"]
    other_facts = [*persona.stories, *(f"{f.kind}: {f.text}" for f in persona.facts
                                       if f.kind not in ("person", "employer"))]
    spec: dict[str, Any] = {
        "name": persona.core.name, "age": persona.core.age, "gender": persona.core.gender,
        "nationality": nationality(persona.core.country), "residence": who["Lives in"],
        **({"education": who["Education"]} if "Education" in who else {}),
        "occupation": {"title": persona.core.occupation, **({"organization": employers[0]} if employers else {})},
        "personality": {"traits": [persona.attitude.attitude, persona.attitude.details,
                                   f"When things go wrong: {persona.attitude.coping}"]},
        "preferences": {"interests": list(persona.hobbies)},
        "beliefs": [persona.values],
        "relationships": [{"name": text.split(" (", 1)[0], "description": text} for text in people],
        "other_facts": other_facts,
        **{key.lower().replace(" ", "_"): who[key] for key in ("Religion", "Marital status", "Household",
                                                                 "Languages") if key in who},
        "summary": persona.summary,
        "attributes": {a.path: format_value(a.value) for a in persona.sampled_attributes() if a.path not in HOUSEHOLD},
    }
    return {"type": "TinyPerson", "persona": spec}


def file_name(persona: Persona, ordinal: int) -> str:
    """``00012_Jane_Wanjiru.agent.json``: the run index (else the position in the file) and the name."""
    slug = re.sub(r"[^\w-]+", "_", persona.core.name, flags=re.UNICODE).strip("_")[:60] or "persona"
    return f"{persona.index if persona.index is not None else ordinal:05d}_{slug}{SUFFIX}"


def is_tinytroupe_export(path: Path) -> bool:
    """True for a folder holding only ``*.agent.json`` files (what ``force`` may replace)."""
    return path.is_dir() and all(p.is_file() and p.name.endswith(SUFFIX) for p in path.iterdir())


def export_tinytroupe(source: str | Path, out: str | Path, *, force: bool = False) -> list[Path]:
    """Write one TinyTroupe ``.agent.json`` per persona into the folder ``out``.

    Args:
        source: A population folder or a personas ``.jsonl`` file.
        out: The folder to create (refused if it exists, unless ``force`` and it holds only agent files).
        force: Replace an earlier export at ``out``.

    Returns:
        The files written, in input order. Nothing is written unless every persona converts.
    """
    out = Path(out)
    src = open_source(source)
    check_new_output(out, force, is_tinytroupe_export, "TinyTroupe agents folder")
    names: list[str] = []
    with staged_folder(out) as stage:
        for ordinal, persona in enumerate(src.personas()):
            name = file_name(persona, ordinal)
            if (stage / name).exists():  # the same index twice (files joined by hand): keep both
                name = name.replace(SUFFIX, f"_{ordinal}{SUFFIX}")
            names.append(name)
            write_text_atomic(stage / names[-1], json.dumps(tinytroupe_spec(persona), indent=2, ensure_ascii=False)
                              + "\n")
    return [out / name for name in names]
