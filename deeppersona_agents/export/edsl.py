"""EDSL export: the population as an ``AgentList`` of agents with traits, a codebook and an instruction.

Sits after populations, beside the other exporters of this package. The format was read from
expectedparrot/edsl at commit 87e2989123682d7d6d1ed3ce7af236b3bfbbd2e9: ``edsl/agents/agent_serialization.py``
(an agent is ``{"name", "traits", "instruction"?, "codebook"?}``), ``edsl/agents/agent_list_serializer.py``
(``AgentList.from_dict({"agent_list": [...]})``; JSONL: a header line ``{"__header__": true,
"edsl_class_name": "AgentList", "n_agents": n}`` then one agent per line, read by ``AgentList.from_jsonl``)
and ``edsl/agents/descriptors.py`` (trait keys must be Python identifiers, not keywords, and not ``name``).
Load them with::

    AgentList.from_dict(json.load(open("agents.json")))   # or AgentList.from_jsonl("agents.jsonl")
"""

from __future__ import annotations

import json
import keyword
import re
from pathlib import Path
from typing import Any

from deeppersona_agents._io import write_text_atomic
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.export.source import check_new_output, open_source
from deeppersona_agents.persona import Persona, format_value

#: Traits every agent has (when the persona has the field), with their codebook text.
CORE_TRAITS = {
    "age": "Age in years", "gender": "Gender", "country": "Country of residence", "lives_in": "Where you live",
    "occupation": "Occupation", "education": "Highest education completed", "religion": "Religion",
    "marital_status": "Marital status", "household": "Household", "languages": "Languages spoken",
    "values": "What you value", "outlook": "Your outlook on life", "coping": "How you cope when things go wrong",
    "life_stories": "Stories from your life", "hobbies": "Hobbies", "summary": "Who you are, in short",
}
INSTRUCTION = ("You are the person these traits describe. Answer every question as yourself, from your own "
               "life, values and circumstances, and never step out of character.")


def trait_key(text: str) -> str:
    """A valid EDSL trait key (a lower-case Python identifier, not a keyword, not ``name``) for ``text``."""
    key = re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_") or "trait"
    if key[0].isdigit() or keyword.iskeyword(key) or key == "name":
        key = f"t_{key}"
    return key


def edsl_agent(persona: Persona) -> dict[str, Any]:
    """The EDSL agent dict of ``persona``: ``name``, ``traits``, ``codebook`` and ``instruction``."""
    from deeppersona_agents.demographics import country_name
    from deeppersona_agents.simulation.respondents import HOUSEHOLD, identity

    who = {trait_key(label): value for label, value in identity(persona)}
    values: dict[str, Any] = {
        "age": persona.core.age, "gender": persona.core.gender, "country": country_name(persona.core.country),
        **{k: who[k] for k in ("lives_in", "occupation", "education", "religion", "marital_status", "household",
                               "languages") if k in who},
        "values": persona.values, "outlook": f"{persona.attitude.attitude} {persona.attitude.details}",
        "coping": persona.attitude.coping, "life_stories": list(persona.stories), "hobbies": list(persona.hobbies),
        "summary": persona.summary,
    }
    codebook = {k: CORE_TRAITS[k] for k in values}
    for attribute in persona.sampled_attributes():
        if attribute.path in HOUSEHOLD:
            continue
        parts = attribute.path.split(" > ")
        key = trait_key(parts[-1])
        if key in values:  # same leaf name elsewhere in the tree: add the parent, then a number
            key = trait_key(" ".join(parts[-2:]))
        base, n = key, 2
        while key in values:
            key, n = f"{base}_{n}", n + 1
        values[key] = attribute.value if isinstance(attribute.value, list) else format_value(attribute.value)
        codebook[key] = attribute.path
    return {"name": persona.core.name, "traits": values, "codebook": codebook, "instruction": INSTRUCTION}


def is_edsl_export(path: Path) -> bool:
    """True for a file written by :func:`export_edsl` (what ``force`` may replace)."""
    try:
        with path.open(encoding="utf-8") as fh:
            head = fh.readline() if path.suffix == ".jsonl" else fh.read(200)
    except (OSError, UnicodeDecodeError):
        return False
    return '"agent_list"' in head or '"edsl_class_name": "AgentList"' in head


def check_edsl_path(out: Path, param: str = "out") -> None:
    """Refuse a path that is a folder or does not end in ``.json`` / ``.jsonl``."""
    if out.is_dir():
        raise ConfigError(f"{out} is a folder; give a file name such as agents.json", param=param)
    if out.suffix not in (".json", ".jsonl"):
        raise ConfigError(f"{out}: the EDSL file must end in .json (AgentList.from_dict) or .jsonl "
                          "(AgentList.from_jsonl)", param=param)


def export_edsl(source: str | Path, out: str | Path, *, force: bool = False) -> Path:
    """Write the personas as an EDSL agent list: ``out.json`` (``AgentList.from_dict``) or ``out.jsonl``.

    Args:
        source: A population folder or a personas ``.jsonl`` file.
        out: The file to write, ending ``.json`` or ``.jsonl`` (refused if it exists, unless ``force``).
        force: Replace an earlier EDSL export at ``out``.

    Returns:
        ``out``, written atomically once every persona converted.
    """
    out = Path(out)
    check_edsl_path(out)
    src = open_source(source)
    check_new_output(out, force, is_edsl_export, "EDSL agents file")
    agents = [edsl_agent(p) for p in src.personas()]
    if out.suffix == ".jsonl":
        header = {"__header__": True, "edsl_class_name": "AgentList", "n_agents": len(agents)}
        text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in [header, *agents])
    else:
        text = json.dumps({"agent_list": agents}, indent=2, ensure_ascii=False) + "\n"
    write_text_atomic(out, text)
    return out
