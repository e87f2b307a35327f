"""``deeppersona demographics ...``: draw, audit and import census-grounded cores."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from deeppersona_agents._read import read_user_csv
from deeppersona_agents.cli._common import (
    Demographics,
    check_output_folder,
    check_output_path,
    count_option,
    err,
    guarded,
    out_or_default,
    write_atomic,
)
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.seeding import derive

demographics_app = typer.Typer(no_args_is_help=True, help="Draw and audit census-grounded anchors.")


def _anchors_csv(frame: object) -> str:
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    out = frame.copy()
    out["isco_major"] = out["isco_major"].astype("Int64").astype(str).replace("<NA>", "")
    out["urban"] = out["urban"].map(lambda v: "" if str(v) == "<NA>" else str(bool(v)).lower())
    return out.to_csv(index=False)


@demographics_app.command("sample")
def demographics_sample(
    country: Annotated[str, typer.Option(help="ISO-3 country code, e.g. KEN.")],
    n: Annotated[int, count_option("Number of people to draw.")],
    out_file: Annotated[Path, typer.Option("--out", help="CSV to write (one row per draw).")],
    seed: Annotated[int, typer.Option(help="Random seed; same seed = same draws.")] = 0,
    demographics: Annotated[Demographics, typer.Option(help="census (tables) or uniform (the authors' draws).")]
    = Demographics.census,
    mode: Annotated[str | None, typer.Option(hidden=True, help="Old spelling of --demographics.")] = None,
    min_age: Annotated[int, typer.Option(help="Youngest age drawn (7-85).")] = 18,
    where: Annotated[str | None, typer.Option(help='Cohort, e.g. "age>=30 and age<50 and isco_major==2".')]
    = None,
    rake_targets: Annotated[Path | None, typer.Option("--rake", help="CSV variable,value,share: rake the draws "
                                                      "to these marginals, then resample n rows.")] = None,
) -> None:
    """Draw people from a country's population tables and write them as CSV."""
    from deeppersona_agents.demographics import PopulationSampler
    from deeppersona_agents.demographics.raking import raked_sample, read_targets

    with guarded():
        if n < 1:
            raise ConfigError(f"-n {n}: draw at least one person")
        if mode is not None:
            err.print("[yellow]warning:[/] --mode is now --demographics (the same name as in `population`); "
                      "--mode will be removed in the next release", highlight=False)
            if mode not in tuple(Demographics):
                raise ConfigError(f"--mode {mode!r}: use census or uniform")
            demographics = Demographics(mode)
        check_output_path(out_file)
        sampler = PopulationSampler(country, mode=demographics.value, min_age=min_age)  # type: ignore[arg-type]
        rng = derive(seed)
        with err.status(f"drawing {n:,} people for {sampler.iso3}"):
            if rake_targets is not None:
                frame = raked_sample(sampler, n, rng, read_targets(str(rake_targets)), where)
            else:
                frame = sampler.sample(n, rng, where)
    write_atomic(out_file, _anchors_csv(frame))
    err.print(f"wrote {out_file}: {len(frame):,} people ({sampler.iso3}, {demographics.value})", highlight=False)


@demographics_app.command("audit")
def demographics_audit(
    anchors_file: Annotated[Path, typer.Argument(help="CSV written by `deeppersona demographics sample`.")],
    country: Annotated[str, typer.Option(help="ISO-3 country code the draws are for.")],
    plot: Annotated[Path | None, typer.Option(help="Also write a PNG of tables vs sample.")] = None,
) -> None:
    """Total-variation distance of each variable in a sample to the country's tables."""
    from rich.table import Table

    from deeppersona_agents.demographics import audit_sample
    from deeppersona_agents.demographics.audit import plot_audit

    with guarded():
        if plot is not None:
            check_output_path(plot)
        if not anchors_file.exists():
            raise ConfigError(f"{anchors_file} not found; write one with `deeppersona demographics sample`")
        frame = read_user_csv(anchors_file, "anchors CSV", dtype={"isco_major": "Int64"})
        report = audit_sample(frame, country)
    table = Table(title=f"{len(frame):,} draws vs {country.upper()} tables")
    table.add_column("variable")
    table.add_column("TVD", justify="right")
    table.add_column("n", justify="right")
    for row in report.itertuples():
        table.add_row(row.variable, f"{row.tvd:.4f}", f"{row.n:,}")
    Console().print(table)
    if plot is not None:
        with guarded():
            plot_audit(report, plot, f"{country.upper()}: tables vs {len(frame):,} draws")
        err.print(f"wrote {plot}", highlight=False)


@demographics_app.command("import")
def demographics_import(
    country: Annotated[str, typer.Option(help="ISO-3 country code.")],
    out: Annotated[Path | None, typer.Option(help="Folder for the rebuilt ISO3.json (required; use it via "
                                             "DEEPPERSONA_DEMOGRAPHICS_DIR).")] = None,
    into: Annotated[Path | None, typer.Option(hidden=True, help="Old spelling of --out.")] = None,
    wpp: Annotated[Path | None, typer.Option(help="UN WPP population by age and sex CSV (.csv or .csv.gz).")] = None,
    ilostat: Annotated[Path | None, typer.Option(help="ILOSTAT employment by sex and occupation CSV.")] = None,
    year: Annotated[int | None, typer.Option(help="Year to take (default: latest in the file).")] = None,
) -> None:
    """Rebuild a country's tables from the official downloads."""
    import pycountry

    from deeppersona_agents.demographics.importers import import_country

    into = out_or_default(out, "", old=into, old_flag="--into")
    with guarded():
        check_output_folder(into)
        found = pycountry.countries.get(alpha_3=country.upper())
        if found is None:
            raise ConfigError(f"--country {country!r} is not an ISO-3 code")
        path = import_country(found.alpha_3, into, wpp=wpp, ilostat=ilostat, year=year)
    err.print(f"wrote {path}; set DEEPPERSONA_DEMOGRAPHICS_DIR={into} to use it", highlight=False)


@demographics_app.command("countries")
def demographics_countries() -> None:
    """List the countries with demographic tables."""
    from deeppersona_agents.demographics import country_name, supported_countries

    for code in supported_countries():
        print(f"{code}  {country_name(code)}")


