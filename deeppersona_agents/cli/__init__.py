"""Command line (``deeppersona``): one module per command group, thin over the library.

generate · population / enrich / export · taxonomy · demographics · survey · compare / reference · evaluate.
Shared options, ``fail()`` and the exit codes live in :mod:`deeppersona_agents.cli._common`.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Annotated

import typer

from deeppersona_agents.cli import compare, demographics, evaluate, export, generate, population, survey, taxonomy

app = typer.Typer(add_completion=True, no_args_is_help=True, help="Deep synthetic personas (DeepPersona).")


def _version(value: bool) -> None:
    if value:
        try:
            typer.echo(f"deeppersona-agents {version('deeppersona-agents')}")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
            typer.echo("deeppersona-agents (not installed)")
        raise typer.Exit()


@app.callback()
def main(
    show_version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                               help="Print the version and exit.")] = False,
) -> None:
    """Deep synthetic personas for agents and social simulation."""


app.command("generate")(generate.generate)
app.command("population")(population.population)
app.command("enrich")(population.enrich)
app.command("export")(export.export)
app.command("survey")(survey.survey)
app.command("compare")(compare.compare)
app.add_typer(compare.reference_app, name="reference")
app.add_typer(taxonomy.taxonomy_app, name="taxonomy")
app.add_typer(demographics.demographics_app, name="demographics")
app.add_typer(evaluate.evaluate_app, name="evaluate")

__all__ = ["app"]

if __name__ == "__main__":  # pragma: no cover
    app()
