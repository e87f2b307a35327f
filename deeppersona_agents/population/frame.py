"""A finished population as a table of its cores, and its audit against the country's tables."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from deeppersona_agents._io import iter_records
from deeppersona_agents.population.store import PERSONAS

if TYPE_CHECKING:
    from deeppersona_agents.population.worker import PopulationJob


def population_frame(folder: Path) -> pd.DataFrame:
    """One row per persona with its core and table-drawn codes (the columns audits read)."""
    rows = []
    for _, record in iter_records(Path(folder) / PERSONAS):
        core = record.get("core", {})
        rows.append({"index": record.get("index"), "id": record.get("id"), "age": core.get("age"),
                     "sex": core.get("gender"), "country": core.get("country"), "city": core.get("city"),
                     "occupation": core.get("occupation"), **(core.get("demographics") or {})})
    return pd.DataFrame(rows)


def audit_population(folder: Path, job: PopulationJob) -> pd.DataFrame | None:
    """The folder's personas of the job's country against its tables (``None`` when there are none)."""
    from deeppersona_agents.demographics import audit_sample

    frame = population_frame(folder)
    frame = frame[frame["country"] == job.country]
    if frame.empty:
        return None
    return audit_sample(frame, job.country or "", tables_dir=job.config.tables_dir)
