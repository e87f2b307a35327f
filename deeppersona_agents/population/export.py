"""Parquet tables of a population: one wide table of personas, one long table of attributes.

Reads what ``population/store.py`` wrote (or any personas JSONL); ``deeppersona export`` and the
Hugging Face dataset (``export/hf.py``) write these tables. The columns, their types and their
meaning are declared once here (:data:`PERSONA_COLUMNS`, :data:`ATTRIBUTE_COLUMNS`); the dataset
card prints the same list. ``pyarrow`` is an optional extra (``pip install 'deeppersona-agents[hf]'``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

from deeppersona_agents.errors import ConfigError
from deeppersona_agents.persona import Persona, format_value

#: Table-drawn codes exported as ``demo_<key>`` columns.
DEMOGRAPHIC_KEYS = ("activity", "isco_major", "education", "marital_status", "religion", "language", "urban")
#: Rows buffered before a Parquet row group is written (keeps memory flat for large runs).
CHUNK = 500
INSTALL_HINT = "pip install 'deeppersona-agents[hf]'"


class Column(NamedTuple):
    """One exported column: name, Arrow type (``string``, ``int64``, ``list<string>``) and meaning."""

    name: str
    type: str
    meaning: str


PERSONA_COLUMNS: tuple[Column, ...] = (
    Column("persona_id", "string", "deterministic id: a UUID5 of the persona's seed, anchors, bio and country"),
    Column("index", "int64", "position in the population run (persona i depends on the run seed and i only)"),
    Column("seed", "int64", "the persona's own seed, derived from the run seed and the index"),
    Column("name", "string", "full name, drawn from the country's name data"),
    Column("age", "int64", "age in years, drawn with gender from the country table (age_sex), or anchored"),
    Column("gender", "string", "gender, drawn with age from the country table, or anchored"),
    Column("country", "string", "country of residence, ISO 3166-1 alpha-3"),
    Column("city", "string", "place of residence (a city, or a rural area near one)"),
    Column("occupation", "string", "occupation title, drawn within the ISCO-08 major group, or anchored"),
    *(Column(f"demo_{k}", "string", f"table-drawn code: {k.replace('_', ' ')}") for k in DEMOGRAPHIC_KEYS),
    Column("values", "string", "core values, in a sentence or two (model-written)"),
    Column("value_tone", "string", "positive, negative or neutral: the tone the values were asked in"),
    Column("attitude", "string", "life attitude, headline (model-written)"),
    Column("attitude_details", "string", "how the attitude shows day to day"),
    Column("coping", "string", "how the person copes when things go wrong"),
    Column("stories", "list<string>", "one to three life stories (model-written)"),
    Column("facts", "list<string>", "the stories' fact ledger as 'kind: text' (people, places, events, employer, "
                                    "schools)"),
    Column("hobbies", "list<string>", "hobbies"),
    Column("summary", "string", "a short portrait written from the most relevant attributes"),
    Column("attribute_count", "int64", "attributes in the record (table-drawn and model-filled)"),
    Column("anchors", "string", "what the user fixed, as JSON (e.g. the country, or a one-line bio)"),
    Column("model", "string", "the chat model that wrote the text"),
    Column("llm_calls", "int64", "model calls sent for this persona (retries included)"),
    Column("calls_cached", "int64", "model calls answered from the LLM cache"),
    Column("prompt_tokens", "int64", "prompt tokens used for this persona"),
    Column("completion_tokens", "int64", "completion tokens used for this persona"),
    Column("record", "string", "the whole persona as JSON: Persona.model_validate_json(record) rebuilds it exactly"),
)
ATTRIBUTE_COLUMNS: tuple[Column, ...] = (
    Column("persona_id", "string", "the persona this attribute belongs to"),
    Column("index", "int64", "the persona's position in the run"),
    Column("path", "string", "Human-Attribute Tree path, levels joined by ' > '"),
    Column("category", "string", "the tree's top-level category"),
    Column("value", "string", "the value as text (lists joined by '; ')"),
    Column("value_json", "string", "the value as JSON, with its type (bool, number, text or list of text)"),
    Column("stratum", "string", "near, mid or far from the persona's core (sampled attributes only)"),
    Column("provenance", "string", "table (drawn from census tables), anchor (given by the user) or llm"),
)


def require_pyarrow() -> Any:
    """Import pyarrow, or raise ``ConfigError`` naming the install command."""
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401 - the writer lives here
    except ImportError:
        raise ConfigError(f"Parquet export needs pyarrow, an optional extra: {INSTALL_HINT}") from None
    return pyarrow


def persona_row(persona: Persona) -> dict[str, Any]:
    """One row of the persona table."""
    core, manifest, demographics = persona.core, persona.manifest, persona.core.demographics
    return {
        "persona_id": persona.id, "index": persona.index, "seed": persona.seed, "name": core.name, "age": core.age,
        "gender": core.gender, "country": core.country, "city": core.city, "occupation": core.occupation,
        **{f"demo_{k}": None if demographics.get(k) is None else str(demographics[k]) for k in DEMOGRAPHIC_KEYS},
        "values": persona.values, "value_tone": persona.value_tone, "attitude": persona.attitude.attitude,
        "attitude_details": persona.attitude.details, "coping": persona.attitude.coping,
        "stories": list(persona.stories), "facts": [f"{f.kind}: {f.text}" for f in persona.facts],
        "hobbies": list(persona.hobbies), "summary": persona.summary, "attribute_count": len(persona.attributes),
        "anchors": json.dumps(persona.anchors, ensure_ascii=False), "model": manifest.model,
        "llm_calls": manifest.llm_calls, "calls_cached": manifest.calls_cached,
        "prompt_tokens": manifest.prompt_tokens, "completion_tokens": manifest.completion_tokens,
        "record": persona.model_dump_json(),
    }


def attribute_rows(persona: Persona) -> list[dict[str, Any]]:
    """The rows of the attribute table for one persona."""
    return [{"persona_id": persona.id, "index": persona.index, "path": a.path, "category": a.path.split(" > ")[0],
             "value": "; ".join(a.value) if isinstance(a.value, list) else format_value(a.value),
             "value_json": json.dumps(a.value, ensure_ascii=False), "stratum": a.stratum,
             "provenance": a.provenance} for a in persona.attributes]


def write_tables(personas: Iterable[Persona], dest: Path) -> tuple[Path, Path]:
    """Stream ``personas`` into ``dest/personas.parquet`` and ``dest/attributes.parquet`` (atomic each).

    Raises:
        ConfigError: pyarrow is missing, or there are no personas (nothing is left behind).
    """
    pa = require_pyarrow()
    import pyarrow.parquet as pq

    dest = Path(dest)
    targets = dest / "personas.parquet", dest / "attributes.parquet"
    temps = [t.with_name(f".{t.name}.tmp") for t in targets]
    schemas = _schema(pa, PERSONA_COLUMNS), _schema(pa, ATTRIBUTE_COLUMNS)
    writers: list[Any] = [None, None]
    rows: tuple[list[dict], list[dict]] = ([], [])

    def flush() -> None:
        for slot, batch in enumerate(rows):
            if batch:
                if writers[slot] is None:
                    writers[slot] = pq.ParquetWriter(temps[slot], schemas[slot])
                writers[slot].write_table(pa.Table.from_pylist(batch, schema=schemas[slot]))
                batch.clear()

    try:
        for persona in personas:
            rows[0].append(persona_row(persona))
            rows[1].extend(attribute_rows(persona))
            if len(rows[0]) >= CHUNK:
                flush()
        flush()
        if writers[0] is None:
            raise ConfigError("no personas to export")
        for slot, writer in enumerate(writers):
            if writer is None:  # personas without attributes: an empty table with the schema
                writers[slot] = writer = pq.ParquetWriter(temps[slot], schemas[slot])
            writer.close()
            temps[slot].replace(targets[slot])
    finally:
        for writer in writers:
            if writer is not None:
                writer.close()
        for temp in temps:
            temp.unlink(missing_ok=True)
    return targets


def export_parquet(source: str | Path, out: str | Path | None = None) -> tuple[Path, Path]:
    """Write ``personas.parquet`` and ``attributes.parquet`` for a population folder or a personas JSONL.

    Args:
        source: A folder written by ``deeppersona population`` / ``enrich``, or a personas ``.jsonl`` file.
        out: Folder to write into (default: the population folder, or the file's folder).

    Returns:
        The paths of the two tables.
    """
    from deeppersona_agents.export.source import open_source

    src = open_source(source)
    require_pyarrow()
    dest = Path(out) if out else (src.path if src.path.is_dir() else src.path.parent)
    dest.mkdir(parents=True, exist_ok=True)
    return write_tables(src.personas(), dest)


def _schema(pa: Any, columns: tuple[Column, ...]) -> Any:
    """Fixed column types, so every row group of a large export agrees."""
    types = {"string": pa.string(), "int64": pa.int64(), "list<string>": pa.list_(pa.string())}
    return pa.schema([(c.name, types[c.type]) for c in columns])
