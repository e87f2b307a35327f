"""Demographic tables for the anchored core (age, sex, activity, occupation, place, name, ...).

The LLM never chooses these: they come from the user's anchors or are drawn here from each
country's population tables (see ``data/README.md`` for sources).
"""

from deeppersona_agents.demographics.audit import audit_sample
from deeppersona_agents.demographics.core import sample_core, table_attributes
from deeppersona_agents.demographics.countries import country_name, resolve_country, supported_countries
from deeppersona_agents.demographics.raking import rake, resample
from deeppersona_agents.demographics.sampler import COLUMNS, PopulationSampler
from deeppersona_agents.demographics.tables import check_table, load_table

__all__ = [
    "COLUMNS",
    "PopulationSampler",
    "audit_sample",
    "check_table",
    "country_name",
    "load_table",
    "rake",
    "resample",
    "resolve_country",
    "sample_core",
    "supported_countries",
    "table_attributes",
]
