"""Persona sources for evaluation: one common view over every persona format we compare.

Formats (found by :func:`detect_format`):

* ``persona`` — our :class:`~deeppersona_agents.persona.Persona` records (``.jsonl`` or ``.json``);
* ``authors`` — the DeepPersona authors' release: a JSON object ``{"Profile_1": {...}, ...}`` whose
  entries are nested dicts category -> (subcategory ->)* attribute -> value, optionally with a
  ``"Summary"`` / ``"summary"`` key; the file's top-level ``"metadata"`` entry (run status) and each
  profile's bookkeeping (``"Generated At"``, ``"Profile Index"``) are not personas or attributes;
* ``personahub`` — PersonaHub JSON lines ``{"persona": "..."}``;
* ``text`` — plain text: one persona per non-empty line, or per blank-line-separated paragraph.

Every format becomes a list of :class:`EvalPersona`: an id, the source name, attribute-value pairs
(empty for text-only personas) and free text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from deeppersona_agents._read import check_lines
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.persona import Persona, format_value

SourceFormat = Literal["persona", "authors", "personahub", "text"]
FORMATS: tuple[str, ...] = ("persona", "authors", "personahub", "text")
PATH_SEPARATOR = " > "
SUMMARY_KEYS = ("Summary", "summary")
#: Top-level entries of the authors' file that are not profiles.
AUTHORS_METADATA_KEYS = ("metadata",)
#: Top-level keys of an authors' profile that record how it was made, not who the person is.
AUTHORS_BOOKKEEPING_KEYS = ("Generated At", "Profile Index")
_FIX_HINT = (
    "give Persona JSONL (deeppersona generate/population), the authors' JSON ({\"Profile_1\": {...}}), "
    "PersonaHub JSONL ({\"persona\": \"...\"} per line) or plain text (.txt, one persona per line or paragraph)"
)


@dataclass
class EvalPersona:
    """A persona as the evaluation sees it, whatever file it came from."""

    id: str
    source: str
    attributes: list[tuple[str, str]] = field(default_factory=list)
    text: str = ""

    def render(self, max_attributes: int | None = None) -> str:
        """Prompt text: the free text, then up to ``max_attributes`` ``path: value`` lines."""
        chosen = self.attributes if max_attributes is None else self.attributes[:max_attributes]
        parts = [self.text.strip()] if self.text.strip() else []
        if chosen:
            parts.append("Attributes:\n" + "\n".join(f"- {path}: {value}" for path, value in chosen))
        return "\n\n".join(parts)


def truncate(persona: EvalPersona, k: int) -> EvalPersona:
    """A copy of ``persona`` keeping only its first ``k`` attributes (the depth ablation)."""
    if k < 0:
        raise ConfigError(f"depth k={k} is negative; give a number of attributes >= 0")
    return replace(persona, attributes=list(persona.attributes[:k]))


def from_persona(persona: Persona, source: str) -> EvalPersona:
    """The evaluation view of one of our Persona records (narrative text + every attribute)."""
    text = "\n".join([
        persona.summary,
        f"Core: {persona.core.as_text()}",
        f"Values: {persona.values}",
        f"Life attitude: {persona.attitude.attitude} {persona.attitude.details} Coping: {persona.attitude.coping}",
        "Life stories:",
        *(f"- {s}" for s in persona.stories),
        f"Hobbies: {', '.join(persona.hobbies)}",
    ])
    attributes = [(a.path, format_value(a.value)) for a in persona.attributes]
    return EvalPersona(id=persona.id, source=source, attributes=attributes, text=text)


def _scalar(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, bool | int | float):
        return format_value(value)
    return str(value).strip()


def flatten_profile(profile: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """Nested category -> ... -> attribute -> value dict as ``(path, value)`` pairs, in file order."""
    pairs: list[tuple[str, str]] = []
    for key, value in profile.items():
        path = (*prefix, str(key).strip())
        if not prefix and (key in SUMMARY_KEYS or key in AUTHORS_BOOKKEEPING_KEYS):
            continue
        if isinstance(value, dict):
            pairs.extend(flatten_profile(value, path))
        elif isinstance(value, list) and any(isinstance(v, dict) for v in value):
            for i, item in enumerate(value, 1):
                sub = item if isinstance(item, dict) else {"value": item}
                pairs.extend(flatten_profile(sub, (*path, str(i))))
        elif isinstance(value, list):
            pairs.append((PATH_SEPARATOR.join(path), ", ".join(_scalar(v) for v in value)))
        else:
            pairs.append((PATH_SEPARATOR.join(path), _scalar(value)))
    return pairs


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:  # strict: personas are evaluated verbatim
        raise ConfigError(f"{path} is not UTF-8 text; convert it (e.g. iconv -t utf-8) or {_FIX_HINT}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}; check the path") from None


def _whole_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def _first_json_line(text: str) -> tuple[int, Any] | None:
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                return number, json.loads(line)
            except json.JSONDecodeError:
                return None
    return None


def _record_kind(record: Any) -> SourceFormat | None:
    if not isinstance(record, dict):
        return None
    if "core" in record and "attributes" in record:
        return "persona"
    if isinstance(record.get("persona"), str):
        return "personahub"
    if record and all(isinstance(v, dict) or k in SUMMARY_KEYS for k, v in record.items()):
        return "authors"
    return None


def detect_format(path: str | Path) -> SourceFormat:
    """Which persona format ``path`` holds.

    Raises:
        ConfigError: unreadable, empty, or JSON that matches no known format.
    """
    path = Path(path)
    text = _read(path)
    if not text.strip():
        raise ConfigError(f"{path} is empty; {_FIX_HINT}")
    whole = _whole_json(text)
    if whole is not None:
        if isinstance(whole, list) and whole:
            kind = _record_kind(whole[0])
            if kind in ("persona", "personahub"):
                return kind
        kind = _record_kind(whole)
        if kind is not None:
            return kind
        raise ConfigError(f"{path}: JSON that is no known persona format; {_FIX_HINT}")
    first = _first_json_line(text)
    if first is not None:
        number, record = first
        kind = _record_kind(record)
        if kind in ("persona", "personahub"):
            return kind
        raise ConfigError(f"{path}, line {number}: a JSON line that is no known persona record; {_FIX_HINT}")
    if path.suffix.lower() in (".json", ".jsonl"):
        raise ConfigError(f"{path} is not valid JSON or JSON lines; fix the file or {_FIX_HINT}")
    if path.suffix.lower() in (".csv", ".tsv", ".parquet", ".xlsx"):
        raise ConfigError(f"{path} is a table ({path.suffix}), not persona text; {_FIX_HINT}")
    check_lines(text, path)  # a runaway line is a broken file, not a persona to send to the model
    return "text"


def _json_lines(path: Path, text: str) -> list[tuple[int, Any]]:
    records = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}, line {number}: invalid JSON ({exc.msg}); fix or delete that line") from None
    return records


def _load_persona_records(path: Path, text: str, source: str) -> list[EvalPersona]:
    whole = _whole_json(text)
    if whole is not None:
        numbered = list(enumerate(whole if isinstance(whole, list) else [whole], 1))
        label = "record"
    else:
        numbered, label = _json_lines(path, text), "line"
    out = []
    for number, record in numbered:
        try:
            out.append(from_persona(Persona.model_validate(record), source))
        except ValueError as exc:
            first_line = str(exc).splitlines()[0]
            raise ConfigError(f"{path}, {label} {number}: not a Persona record ({first_line}); "
                              "regenerate it with deeppersona generate") from None
    return out


def _load_personahub(path: Path, text: str, source: str) -> list[EvalPersona]:
    whole = _whole_json(text)
    if isinstance(whole, list | dict):
        numbered = list(enumerate(whole if isinstance(whole, list) else [whole], 1))
    else:
        numbered = _json_lines(path, text)
    out: list[EvalPersona] = []
    for number, record in numbered:
        persona = record.get("persona") if isinstance(record, dict) else None
        if not isinstance(persona, str) or not persona.strip():
            raise ConfigError(f"{path}, line {number}: expected {{\"persona\": \"<text>\"}}; fix or delete that line")
        pid = str(record.get("id") or record.get("uuid") or f"{source}-{len(out) + 1}")
        out.append(EvalPersona(id=pid, source=source, text=persona.strip()))
    return out


def _load_authors(path: Path, text: str, source: str) -> list[EvalPersona]:
    data = json.loads(text)
    out = []
    for key, profile in data.items():
        if key in SUMMARY_KEYS or str(key).lower() in AUTHORS_METADATA_KEYS:
            continue
        summary = next((str(profile[k]) for k in SUMMARY_KEYS if isinstance(profile.get(k), str)), "")
        attributes = flatten_profile(profile)
        if not attributes and not summary:
            raise ConfigError(f"{path}, profile {key!r}: no attributes and no summary; remove it or fill it")
        out.append(EvalPersona(id=str(key), source=source, attributes=attributes, text=summary.strip()))
    return out


def _load_text(path: Path, text: str, source: str) -> list[EvalPersona]:
    normalised = text.replace("\r\n", "\n")
    if re.search(r"\n[ \t]*\n", normalised.strip()):
        chunks = [" ".join(p.split()) for p in re.split(r"\n[ \t]*\n", normalised)]
    else:
        chunks = [line.strip() for line in normalised.splitlines()]
    return [EvalPersona(id=f"{source}-{i}", source=source, text=c)
            for i, c in enumerate((c for c in chunks if c), 1)]


_LOADERS = {
    "persona": _load_persona_records,
    "authors": _load_authors,
    "personahub": _load_personahub,
    "text": _load_text,
}


def load_source(path: str | Path, name: str | None = None, fmt: SourceFormat | None = None) -> list[EvalPersona]:
    """All personas in ``path`` as :class:`EvalPersona` (source name: ``name`` or the file stem).

    Raises:
        ConfigError: unknown format, a bad record (with its line number), or no personas at all.
    """
    path = Path(path)
    if fmt is not None and fmt not in FORMATS:
        raise ConfigError(f"format {fmt!r} is unknown; use one of {', '.join(FORMATS)}")
    kind = fmt or detect_format(path)
    source = name or path.stem
    personas = _LOADERS[kind](path, _read(path), source)
    if not personas:
        raise ConfigError(f"{path} holds no personas; {_FIX_HINT}")
    ids = [p.id for p in personas]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise ConfigError(f"{path}: persona id {dup!r} appears more than once; ids must be unique")
    return personas
