"""National populations at scale: concurrent, durable, resumable generation, locally or on Ray."""

from deeppersona_agents.population.export import export_parquet
from deeppersona_agents.population.inputs import ShallowPersona, load_shallow_personas
from deeppersona_agents.population.limits import CallGate, CappedChatModel
from deeppersona_agents.population.run import PopulationResult, population_frame, spawn_population
from deeppersona_agents.population.spec import ModelSpec
from deeppersona_agents.population.worker import persona_seed

__all__ = [
    "CallGate",
    "CappedChatModel",
    "ModelSpec",
    "PopulationResult",
    "ShallowPersona",
    "export_parquet",
    "load_shallow_personas",
    "persona_seed",
    "population_frame",
    "spawn_population",
]
