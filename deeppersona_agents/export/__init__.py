"""Exports of a population for other tools: a Hugging Face dataset, TinyTroupe agents, EDSL agents.

The last step of the data flow for users who take personas elsewhere: each exporter reads a population
folder or a personas JSONL (``source.py``), converts every persona and writes all or nothing.
In-process hand-off (LangChain messages and a tool) is :mod:`deeppersona_agents.handoff`.
"""

from deeppersona_agents.export.edsl import edsl_agent, export_edsl
from deeppersona_agents.export.hf import export_hf
from deeppersona_agents.export.source import Source, open_source
from deeppersona_agents.export.tinytroupe import export_tinytroupe, tinytroupe_spec

__all__ = ["Source", "edsl_agent", "export_edsl", "export_hf", "export_tinytroupe", "open_source", "tinytroupe_spec"]
