"""Parquet export of a population folder: one wide table of personas, one long table of attributes."""

from __future__ import annotations

import json
from pathlib import Path

from deeppersona_agents._io import iter_records
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.population.store import PERSONAS

#: Table-drawn codes exported as ``demo_<key>`` columns.
DEMOGRAPHIC_KEYS = ("activity", "isco_major", "education", "marital_status", "religion", "language", "urban")
#: Rows buffered before a Parquet row group is written (keeps memory flat for large runs).
CHUNK = 500


def export_parquet(folder: str | Path, out: str | Path | None = None) -> tuple[Path, Path]:
    """Write ``personas.parquet`` (one row per persona) and ``attributes.parquet`` (one row per attribute).

    ``attributes.parquet`` has ``persona_id, index, path, category, value, stratum, provenance``;
    values are text (lists joined with "; "). Returns both paths.
    """
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        raise ConfigError("Parquet export needs pyarrow: pip install pyarrow") from None
    src = Path(folder) / PERSONAS
    if not src.exists():
        raise ConfigError(f"{folder} has no {PERSONAS}; export a folder written by `deeppersona population`")
    dest = Path(out) if out else Path(folder)
    dest.mkdir(parents=True, exist_ok=True)
    targets = dest / "personas.parquet", dest / "attributes.parquet"
    temps = [t.with_name(f".{t.name}.tmp") for t in targets]
    writers: list = [None, None]
    schemas = _schemas(pa)
    rows: tuple[list[dict], list[dict]] = ([], [])

    def flush() -> None:
        for slot, batch in enumerate(rows):
            if not batch:
                continue
            table = pa.Table.from_pylist(batch, schema=schemas[slot])
            if writers[slot] is None:
                writers[slot] = pq.ParquetWriter(temps[slot], schemas[slot])
            writers[slot].write_table(table)
            batch.clear()

    try:
        for _, record in iter_records(src):
            core = record["core"]
            manifest = record.get("manifest", {})
            rows[0].append({
                "persona_id": record["id"], "index": record.get("index"), "seed": record["seed"],
                "name": core["name"], "age": core["age"], "gender": core["gender"], "country": core["country"],
                "city": core["city"], "occupation": core["occupation"],
                **{f"demo_{k}": _text_or_none((core.get("demographics") or {}).get(k)) for k in DEMOGRAPHIC_KEYS},
                "values": record["values"], "value_tone": record["value_tone"],
                "attitude": record["attitude"]["attitude"], "stories": json.dumps(record["stories"]),
                "hobbies": "; ".join(record["hobbies"]), "summary": record["summary"],
                "attribute_count": len(record["attributes"]), "model": manifest.get("model"),
                "llm_calls": manifest.get("llm_calls"), "prompt_tokens": manifest.get("prompt_tokens"),
                "completion_tokens": manifest.get("completion_tokens"),
                "anchors": json.dumps(record.get("anchors", {}), ensure_ascii=False),
            })
            for attr in record["attributes"]:
                value = attr["value"]
                rows[1].append({
                    "persona_id": record["id"], "index": record.get("index"), "path": attr["path"],
                    "category": attr["path"].split(" > ")[0],
                    "value": "; ".join(map(str, value)) if isinstance(value, list) else str(value),
                    "stratum": attr.get("stratum"), "provenance": attr["provenance"],
                })
            if len(rows[0]) >= CHUNK:
                flush()
        flush()
    except BaseException:
        for w in writers:
            if w is not None:
                w.close()
        for t in temps:
            t.unlink(missing_ok=True)
        raise
    for slot, w in enumerate(writers):
        if w is None:
            raise ConfigError(f"{src} holds no personas to export")
        w.close()
        temps[slot].replace(targets[slot])
    return targets


def _text_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def _schemas(pa: object) -> tuple[object, object]:
    """Fixed column types, so every row group of a large export agrees."""
    string, int64 = pa.string(), pa.int64()  # type: ignore[attr-defined]
    personas = [("persona_id", string), ("index", int64), ("seed", int64), ("name", string), ("age", int64),
                ("gender", string), ("country", string), ("city", string), ("occupation", string),
                *[(f"demo_{k}", string) for k in DEMOGRAPHIC_KEYS],
                ("values", string), ("value_tone", string), ("attitude", string), ("stories", string),
                ("hobbies", string), ("summary", string), ("attribute_count", int64), ("model", string),
                ("llm_calls", int64), ("prompt_tokens", int64), ("completion_tokens", int64), ("anchors", string)]
    attributes = [("persona_id", string), ("index", int64), ("path", string), ("category", string),
                  ("value", string), ("stratum", string), ("provenance", string)]
    return pa.schema(personas), pa.schema(attributes)  # type: ignore[attr-defined]
