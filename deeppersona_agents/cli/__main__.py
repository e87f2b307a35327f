"""``python -m deeppersona_agents.cli`` runs the command line."""

from deeppersona_agents.cli import app

app()
