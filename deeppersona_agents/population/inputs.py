"""Shallow personas to deepen: PersonaHub lines (``{"persona": "..."}``) or dicts of fields.

A PersonaHub text becomes the persona's ``bio`` (kept verbatim); the fields of a dict become
anchors (kept verbatim; core fields such as ``age`` or ``occupation`` fix the core). Plain text
files hold one persona per non-empty line.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pydantic import BaseModel, Field

from deeppersona_agents._read import check_lines, read_user_text
from deeppersona_agents.errors import ConfigError

#: Keys whose string value is read as the free-text persona.
TEXT_KEYS = ("persona", "bio", "description", "text", "profile")
#: Keys that identify a record rather than describe the person (persona i of the output is
#: record i of the input, so they are not needed to match them up).
ID_KEYS = ("id", "persona_id", "uuid", "index")


class ShallowPersona(BaseModel):
    """One input persona: free text and/or fields, kept verbatim in the deep persona."""

    bio: str | None = None
    anchors: dict[str, str] = Field(default_factory=dict)


def load_shallow_personas(path: str | Path) -> tuple[list[ShallowPersona], str]:
    """Read ``path`` (``.jsonl``, ``.json`` list, or text); return the personas and the file's hash."""
    file = Path(path)
    text = read_user_text(file, "shallow personas file", allow_empty=True)  # strict: the bio stays verbatim
    digest = hashlib.sha256(file.read_bytes()).hexdigest()[:16]
    check_lines(text, file)  # a runaway line is refused, never sent to the model
    items: list[ShallowPersona] = []
    if file.suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{file} is not valid JSON: {exc}") from None
        records = data if isinstance(data, list) else [data]
        items = [_parse(record, file, number) for number, record in enumerate(records, 1)]
    else:
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            if file.suffix == ".jsonl" or line.lstrip().startswith("{"):
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    raise ConfigError(f"{file}, line {number} is not valid JSON; fix or remove it") from None
            else:
                record = line.strip()
            items.append(_parse(record, file, number))
    if not items:
        raise ConfigError(f"{file} holds no personas; expected lines like {{\"persona\": \"A retired teacher ...\"}}")
    return items, digest


def _parse(record: object, file: Path, number: int) -> ShallowPersona:
    if isinstance(record, str) and record.strip():
        return ShallowPersona(bio=record.strip())
    if not isinstance(record, dict):
        raise ConfigError(f"{file}, record {number}: expected a JSON object or a line of text")
    bio = next((str(record[k]).strip() for k in TEXT_KEYS if isinstance(record.get(k), str) and record[k].strip()),
               None)
    anchors = {
        str(k): _text(v) for k, v in record.items()
        if k not in TEXT_KEYS and k not in ID_KEYS and v is not None and _text(v).strip()
    }
    if not bio and not anchors:
        raise ConfigError(f"{file}, record {number} has no persona text and no fields; "
                          "give {\"persona\": \"...\"} or fields such as {\"age\": 34, \"occupation\": \"nurse\"}")
    return ShallowPersona(bio=bio, anchors=anchors)


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else str(value)
