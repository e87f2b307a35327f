"""Demographic tables for the anchored core (age, gender, place, occupation, name).

The LLM never chooses these: they come from the user's anchors or are drawn here.
"""

from deeppersona_agents.demographics.simple import (
    country_name,
    resolve_country,
    sample_core,
    supported_countries,
)

__all__ = ["country_name", "resolve_country", "sample_core", "supported_countries"]
