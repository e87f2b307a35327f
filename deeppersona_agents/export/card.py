"""The dataset card (README.md) of a Hugging Face export: what is in it, how it was made, from which sources.

Written by ``export/hf.py`` beside the Parquet tables. Every statement comes from the population's
manifest, the personas themselves, the column list of ``population/export.py`` and the provenance
recorded in the shipped country tables (``demographics/data/countries/*.json``); nothing is typed here.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from deeppersona_agents.persona import Persona
from deeppersona_agents.population.export import ATTRIBUTE_COLUMNS, PERSONA_COLUMNS, Column

#: The YAML header's configs: one per table, the persona table is the default.
CONFIGS = (("personas", "data/personas.parquet"), ("attributes", "data/attributes.parquet"))
MARKER = "<!-- written by deeppersona export --hf -->"


@dataclass
class Stats:
    """What the card says about the personas, gathered while they are written."""

    n: int = 0
    countries: Counter = field(default_factory=Counter)
    models: Counter = field(default_factory=Counter)
    sampled: Counter = field(default_factory=Counter)
    seeds: list[int] = field(default_factory=list)
    first: Persona | None = None

    def add(self, persona: Persona) -> Persona:
        """Count ``persona`` and pass it on."""
        self.n += 1
        self.countries[persona.core.country] += 1
        self.models[persona.manifest.model] += 1
        self.sampled[len(persona.sampled_attributes())] += 1
        self.seeds.append(persona.seed)
        self.first = self.first or persona
        return persona


def size_category(n: int) -> str:
    """The Hub's size bucket for ``n`` rows."""
    for limit, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if n < limit:
            return label
    return "1M<n<10M"


def render_card(stats: Stats, fingerprint: dict[str, Any], manifest: dict[str, Any] | None, *,
                license: str, title: str) -> str:
    """The whole README.md: YAML header for ``datasets``, then the card."""
    from deeppersona_agents.llm import redact

    first = stats.first
    assert first is not None, "render_card needs at least one persona"
    config = fingerprint.get("config") or first.manifest.config
    model = fingerprint.get("model") or first.manifest.model
    header = "\n".join([
        "---", f"license: {license}", "language:", "- en", "tags:", "- synthetic", "- personas", "- deeppersona",
        "size_categories:", f"- {size_category(stats.n)}", "configs:",
        *(line for name, path in CONFIGS for line in (
            f"- config_name: {name}", *(["  default: true"] if name == "personas" else []),
            "  data_files:", "  - split: train", f"    path: {path}")),
        "---",
    ])
    countries = ", ".join(f"{c} ({k})" for c, k in sorted(stats.countries.items()))
    k = ", ".join(str(v) for v in sorted(stats.sampled))
    run_seed = fingerprint.get("seed")
    seeds = (f"Run seed {run_seed}: persona *i*'s seed (column `seed`) is derived from the run seed and *i*, "
             "so the same seed, model and configuration give the same personas."
             if run_seed is not None else
             f"Each persona's seed is in column `seed` (from {min(stats.seeds)} to {max(stats.seeds)}); "
             "this export came from a personas file without the run's manifest.")
    done = f" ({manifest.get('done')} of {manifest.get('n')} asked for)" if manifest and manifest.get("n") else ""
    lines = [
        header, MARKER, "", f"# {title}", "",
        f"{stats.n} synthetic personas{done} from {countries}, made with "
        f"[deeppersona-agents](https://pypi.org/project/deeppersona-agents/) {first.manifest.package_version}: "
        f"each has an anchored demographic core drawn from census tables, values, a life attitude, life stories "
        f"and {k} attributes sampled from the Human-Attribute Tree and filled by a language model. "
        "These are not real people; names and life stories are invented.", "",
        "```python", "from datasets import load_dataset", "",
        'personas = load_dataset("path/or/hub-id", "personas", split="train")',
        'attributes = load_dataset("path/or/hub-id", "attributes", split="train")',
        "", "from deeppersona_agents import Persona",
        'persona = Persona.model_validate_json(personas[0]["record"])   # the exact record', "```", "",
        "## How it was made", "",
        "DeepPersona progressive generation (LangGraph): anchor core from census tables → values → life attitude "
        "→ life stories and fact ledger → hobbies → attribute selection (near, mid and far strata of the tree) → "
        "attribute filling in batches → consistency review → summary.", "",
        f"- Model: `{redact(json.dumps(model) if isinstance(model, dict) else model)}`"
        + (f" (records say: {', '.join(f'`{redact(m)}` ({c})' for m, c in stats.models.items())})"
           if isinstance(model, dict) else ""),
        f"- Embeddings: `{redact(fingerprint.get('embeddings') or first.manifest.embeddings)}`",
        f"- Attribute tree: version {first.manifest.tree_version}, hash `{first.manifest.tree_hash}`",
        f"- Seeds: {seeds}", "", "Generation configuration:", "",
        "```json", json.dumps(redact(config), indent=2, sort_keys=True, default=str), "```", "",
        "## Fields", "", "Config `personas` (one row per persona):", "", *_field_table(PERSONA_COLUMNS), "",
        "Config `attributes` (one row per attribute of each persona):", "", *_field_table(ATTRIBUTE_COLUMNS), "",
        "## Sources of the demographic tables", "", *_sources(sorted(stats.countries), config), "",
        "## Limitations", "",
        "Text is written by the model named above: its knowledge, biases and errors carry into every persona. "
        "Only the demographic core is drawn from the country tables (a population folder's `audit.csv` compares "
        "them); values, stories and attributes are not calibrated against any survey. Use for simulation and "
        "testing, not as survey data about real populations.", "",
        "## Licence", "",
        f"`{license}`, as chosen by the publisher (`--license`). The text was generated by the model above; check "
        "its terms. The demographic tables are compiled from the public sources listed above.", "",
    ]
    return "\n".join(lines)


def _field_table(columns: tuple[Column, ...]) -> list[str]:
    return ["| field | type | meaning |", "|---|---|---|",
            *(f"| `{c.name}` | {c.type} | {c.meaning} |" for c in columns)]


def _sources(countries: list[str], config: dict[str, Any]) -> list[str]:
    """One row per country and table section: source, year, precision and the copy it was read from."""
    from deeppersona_agents.demographics.tables import load_table

    if config.get("demographics") == "uniform":
        return ["None: this population was drawn uniformly (`demographics=uniform`, an ablation), not from tables."]
    rows = ["| country | section | source | year | precision | copy read (repository, path, commit) |",
            "|---|---|---|---|---|---|"]
    for iso3 in countries:
        try:
            table = load_table(iso3, config.get("tables_dir"))
        except Exception as exc:  # noqa: BLE001 - a card still says what it could not read
            rows.append(f"| {iso3} | | table not readable at export time ({exc}) | | | |")
            continue
        for section, body in table.items():
            if isinstance(body, dict) and body.get("source"):
                rows.append(f"| {iso3} | `{section}` | {_cell(body['source'])} | {body.get('year', '')} | "
                            f"{body.get('precision', '')} | {_copies(body.get('copy'))} |")
    return rows


def _copies(copy: Any) -> str:
    items = copy if isinstance(copy, list) else [copy] if isinstance(copy, dict) else []
    return "; ".join(f"`{c.get('repository')}` `{c.get('path')}` @ `{str(c.get('commit', ''))[:12]}`"
                     for c in items) or "not recorded"


def _cell(text: str) -> str:
    return str(text).replace("|", "/").replace("\n", " ")
