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
    from deeppersona_agents.llm import tables_dir_setting

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
        sampler = PopulationSampler(country, demographics=demographics.value, min_age=min_age,  # type: ignore[arg-type]
                                    tables_dir=tables_dir_setting())
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
    country: Annotated[str, typer.Option(help="ISO-3 country code the draws are for.")],
    anchors_file: Annotated[Path | None, typer.Argument(help="CSV written by `deeppersona demographics sample` "
                                                        "(default: draw -n people now).")] = None,
    n: Annotated[int, count_option("People to draw when no CSV is given.")] = 5000,
    seed: Annotated[int, typer.Option(help="Seed of the draw when no CSV is given.")] = 0,
    source: Annotated[bool, typer.Option("--source", help="Also print, per section, its precision, source, "
                                         "year and the copy it was built from.")] = False,
    plot: Annotated[Path | None, typer.Option(help="Also write a PNG of tables vs sample.")] = None,
) -> None:
    """Total-variation distance of each variable in a sample to the country's tables (and their sources)."""
    from rich.table import Table

    from deeppersona_agents.demographics import PopulationSampler, audit_sample
    from deeppersona_agents.demographics.audit import SECTION_OF, plot_audit, section_sources
    from deeppersona_agents.llm import tables_dir_setting

    with guarded():
        if plot is not None:
            check_output_path(plot)
        tables_dir = tables_dir_setting()
        if anchors_file is None:
            if n < 1:
                raise ConfigError(f"-n {n}: draw at least one person")
            frame = PopulationSampler(country, tables_dir=tables_dir).sample(n, derive(seed))
            what = f"{n:,} draws (seed {seed})"
        else:
            if not anchors_file.exists():
                raise ConfigError(f"{anchors_file} not found; write one with `deeppersona demographics sample` "
                                  "or leave it out to draw -n people now")
            frame = read_user_csv(anchors_file, "anchors CSV", dtype={"isco_major": "Int64"})
            what = f"{len(frame):,} draws"
        report = audit_sample(frame, country, tables_dir=tables_dir)
        sources = section_sources(country, tables_dir=tables_dir).set_index("section") if source else None
    table = Table(title=f"{what} vs {country.upper()} tables")
    for name, justify in (("variable", "left"), ("TVD", "right"), ("n", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    if sources is not None:
        for name in ("section", "precision", "year"):
            table.add_column(name)
    for row in report.itertuples():
        cells = [row.variable, f"{row.tvd:.4f}", f"{row.n:,}"]
        if sources is not None:
            section = SECTION_OF[row.variable]
            cells += [section, sources.loc[section, "precision"], str(sources.loc[section, "year"])]
        table.add_row(*cells)
    console = Console(width=200) if sources is not None else Console()
    console.print(table)
    if sources is not None:
        listing = Table(title=f"Sources of the {country.upper()} tables")
        for name in ("section", "precision", "year", "source", "copy (repository path @ commit)"):
            listing.add_column(name, overflow="fold")
        for section, row in sources.iterrows():
            listing.add_row(str(section), row["precision"], str(row["year"]), row["source"], row["copy"])
        console.print(listing)
    if plot is not None:
        with guarded():
            plot_audit(report, plot, f"{country.upper()}: tables vs {what}")
        err.print(f"wrote {plot}", highlight=False)


@demographics_app.command("import")
def demographics_import(
    country: Annotated[str, typer.Option(help="ISO-3 country code (shipped or not).")],
    out: Annotated[Path | None, typer.Option(help="Folder for ISO3.json (required; use it via "
                                             "DEEPPERSONA_DEMOGRAPHICS_DIR); an ISO3.json already there is updated.")]
    = None,
    into: Annotated[Path | None, typer.Option(hidden=True, help="Old spelling of --out.")] = None,
    wpp: Annotated[Path | None, typer.Option(help="Age x sex: UN WPP bulk CSV (.csv/.csv.gz) or the WPP 2024 "
                                             "copy wpp_age_sex_fiveyr (.rda or CSV).")] = None,
    ilostat: Annotated[list[Path] | None, typer.Option(help="ILOSTAT file, repeatable: bulk CSV or ddf rows of "
                                                       "employment by occupation, population by marital status, "
                                                       "or the three activity rates (LFPR, unemployment, NEET)."
                                                       )] = None,
    education: Annotated[Path | None, typer.Option(help="Wittgenstein Centre copy past_epop (.rda or CSV).")]
    = None,
    urban: Annotated[Path | None, typer.Option(help="UN WUP 2018 urban/rural table (OWID CSV).")] = None,
    religion: Annotated[Path | None, typer.Option(help="Pew religious composition 2010-2020 percentages CSV.")]
    = None,
    year: Annotated[int | None, typer.Option(help="Year to take from every file (default: latest; WUP and the "
                                             "activity rates take the table's year).")] = None,
) -> None:
    """Rebuild a country's tables, or add a country, from official downloads or public copies."""
    import json

    import pycountry

    from deeppersona_agents.demographics.importers import import_country
    from deeppersona_agents.demographics.tables import missing_message, missing_sections

    into = out_or_default(out, "", old=into, old_flag="--into")
    with guarded():
        check_output_folder(into)
        found = pycountry.countries.get(alpha_3=country.upper())
        if found is None:
            raise ConfigError(f"--country {country!r} is not an ISO-3 code")
        path = import_country(found.alpha_3, into, wpp=wpp, ilostat=ilostat or [], education=education,
                              urban=urban, religion=religion, year=year)
    missing = missing_sections(json.loads(path.read_text(encoding="utf-8")))
    err.print(f"wrote {path}; set DEEPPERSONA_DEMOGRAPHICS_DIR={into} to use it", highlight=False)
    if missing:
        err.print(f"[yellow]not ready:[/] {missing_message(found.alpha_3, missing)}", highlight=False)


@demographics_app.command("countries")
def demographics_countries() -> None:
    """List the countries with demographic tables."""
    from deeppersona_agents.demographics import country_name, supported_countries
    from deeppersona_agents.llm import tables_dir_setting

    for code in supported_countries(tables_dir_setting()):
        print(f"{code}  {country_name(code)}")


