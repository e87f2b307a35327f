"""Hugging Face ``datasets`` export: Parquet tables plus a dataset card, in one folder.

Sits after populations (``population/``): reads a population folder or a personas JSONL
(``export/source.py``), writes ``data/personas.parquet`` and ``data/attributes.parquet`` with the
columns of ``population/export.py`` and ``README.md`` (``export/card.py``), whose YAML header makes
``datasets.load_dataset(folder, "personas")`` read it. The folder can be pushed to the Hub as is.
"""

from __future__ import annotations

import re
from pathlib import Path

from deeppersona_agents._io import write_text_atomic
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.export.card import MARKER, Stats, render_card
from deeppersona_agents.export.source import check_new_output, open_source, staged_folder
from deeppersona_agents.population.export import require_pyarrow, write_tables


def is_hf_export(path: Path) -> bool:
    """True for a folder written by :func:`export_hf` (the only kind ``force`` replaces)."""
    card = path / "README.md"
    return path.is_dir() and card.is_file() and MARKER in card.read_text(encoding="utf-8", errors="replace")


def export_hf(source: str | Path, out: str | Path, *, force: bool = False, license: str = "apache-2.0",
              title: str | None = None) -> Path:
    """Write a ``datasets``-loadable folder: ``data/*.parquet`` and a ``README.md`` dataset card.

    Args:
        source: A population folder (``deeppersona population``) or a personas ``.jsonl`` file.
        out: The folder to create (refused if it exists, unless ``force`` and it is an earlier export).
        force: Replace an earlier export at ``out``.
        license: The dataset's licence identifier for the card's header (Hub identifiers, e.g. ``cc-by-4.0``).
        title: The card's title (default: "Synthetic personas (<countries>)").

    Returns:
        ``out``. Nothing is written unless the whole export succeeds.

    Raises:
        ConfigError: pyarrow missing (names the install command), bad input, or ``out`` not usable.
    """
    if not re.fullmatch(r"[a-z0-9][a-z0-9.+-]{0,63}", license):
        raise ConfigError(f"license {license!r} is not a Hub licence identifier such as apache-2.0, cc-by-4.0, mit "
                          "or other", param="license")
    out = Path(out)
    src = open_source(source)
    require_pyarrow()
    check_new_output(out, force, is_hf_export, "Hugging Face dataset folder")
    stats = Stats()
    with staged_folder(out) as stage:
        (stage / "data").mkdir()
        write_tables((stats.add(p) for p in src.personas()), stage / "data")
        name = title or f"Synthetic personas ({', '.join(sorted(stats.countries))})"
        write_text_atomic(stage / "README.md", render_card(stats, src.fingerprint, src.manifest, license=license,
                                                           title=name))
    return out
