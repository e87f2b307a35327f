"""Shared by every CLI command: consoles, exit codes, ``fail()``, common options and input checks.

Exit codes (documented in the README):

- 0: success;
- 1: bad input (a file, an option value, a tree, a country): the message says how to fix it;
- 2: usage (unknown option, missing argument; printed by Typer);
- 3: the model or endpoint failed (unreachable, refused, or answers stayed invalid after retries).

Options with fixed choices are enums (listed in ``--help``, completed by the shell, a wrong value exits 2
with the choices); their values mirror the library's constants (checked by ``tests/test_cli_options.py``).
``-n/--count`` is the one spelling of "how many". ``--out`` is required wherever a command writes results
(commands that had a default keep it for one release with a warning, see :func:`out_or_default`);
``--force`` discards an earlier run in ``--out`` made with other options instead of refusing it.

The CLI is thin: each command parses options, checks them before any output is created, calls the
library and prints a one-line result. Library errors name Python parameters; :func:`fail` prints them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from deeppersona_agents._io import write_text_atomic
from deeppersona_agents.errors import ConfigError, DeepPersonaError, GenerationError, ModelError

EXIT_BAD_INPUT, EXIT_USAGE, EXIT_MODEL = 1, 2, 3

err = Console(stderr=True)
console = Console()



class StructuredMethod(StrEnum):
    """How structured answers are asked for (``llm.STRUCTURED_METHODS``)."""

    json_schema = "json_schema"
    function_calling = "function_calling"
    json_mode = "json_mode"


class Engine(StrEnum):
    """Where population personas run (``population.spec.Engine``)."""

    local = "local"
    ray = "ray"


class SummaryStyle(StrEnum):
    """Length of the persona summary (``GenerationConfig.summary_style``)."""

    concise = "concise"
    detailed = "detailed"


class Demographics(StrEnum):
    """How the anchored core is drawn (``GenerationConfig.demographics``)."""

    census = "census"
    uniform = "uniform"


class RespondentMethod(StrEnum):
    """How a survey respondent is described (``simulation.respondents.METHODS``)."""

    deep = "deep"
    cultural = "cultural"
    shallow = "shallow"
    oneliner = "oneliner"
    bare = "bare"


class SurveyMode(StrEnum):
    """Items per survey call (``simulation.survey.MODES``)."""

    item = "item"
    questionnaire = "questionnaire"


class WeightTo(StrEnum):
    """Weighting targets of ``compare`` (``comparison.compare.WEIGHT_TARGETS``)."""

    census = "census"


def option_value(choice: StrEnum | str | None) -> str | None:
    """The plain string of an enum option (None stays None), for the library."""
    return None if choice is None else str(choice)


ModelOpt = Annotated[str | None, typer.Option(help="Model name on an OpenAI-compatible endpoint "
                                                   "(default: DEEPPERSONA_MODEL or the embedded model).")]
BaseUrlOpt = Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint URL.")]
MethodOpt = Annotated[StructuredMethod | None, typer.Option(
    help="Structured output method (default: DEEPPERSONA_STRUCTURED_METHOD or json_schema).")]
DemographicsOpt = Annotated[Demographics, typer.Option(help="census (population tables) or uniform (ablation).")]
ForceOpt = Annotated[bool, typer.Option(help="Discard an earlier run in --out made with other options instead of "
                                             "refusing it (the same options resume it).")]


def count_option(help_text: str) -> typer.models.OptionInfo:
    """``-n/--count``: the one spelling of "how many" in every command."""
    return typer.Option("-n", "--count", help=help_text)


def out_or_default(out: Path | None, default: str, *, old: Path | None = None, old_flag: str = "") -> Path:
    """The ``--out`` given; else an old spelling or an old default, with a warning (for one release).

    Raises:
        typer.BadParameter: neither ``--out`` nor a default (exit 2, like any missing option).
    """
    if out is not None:
        return out
    if old is not None:
        err.print(f"[yellow]warning:[/] {old_flag} is now --out (the same name in every command); {old_flag} will "
                  "be removed in the next release", highlight=False)
        return old
    if not default:
        raise typer.BadParameter("Missing option '--out'.", param_hint="'--out'")
    err.print(f"[yellow]warning:[/] no --out given: writing to {default}; --out will be required in the next "
              "release (as in every other command)", highlight=False)
    return Path(default)
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Print the model calls, tokens and (with --price-in/"
                                         "--price-out) the cost this command would spend; call nothing, write "
                                         "nothing.")]
PriceInOpt = Annotated[float | None, typer.Option(min=0, help="--dry-run: USD per million prompt tokens.")]
PriceOutOpt = Annotated[float | None, typer.Option(min=0, help="--dry-run: USD per million completion tokens.")]
CacheOpt = Annotated[Path | None, typer.Option(help="Response cache (SQLite file, created if missing): replies "
                                               "already stored for the same model, prompt, schema and seed are "
                                               "reused and not billed.")]


def exit_code(exc: BaseException) -> int:
    """The exit code for a library error: 3 for model or endpoint failures, else 1."""
    return EXIT_MODEL if isinstance(exc, ModelError | GenerationError) else EXIT_BAD_INPUT


def fail(exc: BaseException | str) -> typer.Exit:
    """Print the error on stderr and return the exit to raise, with its code (1 bad input, 3 model)."""
    from deeppersona_agents.llm import redact  # lazily: --help and --version stay fast

    param = getattr(exc, "param", None)
    names = (param,) if isinstance(param, str) else tuple(param or ())
    flags = [("-" if len(p) == 1 else "--") + p.replace("_", "-") for p in names]  # n -> -n, out -> --out
    flag = f" (option{'s' if len(flags) > 1 else ''} {', '.join(flags)})" if flags else ""
    message = escape(f"{redact(str(exc))}{flag}")  # no keys shown; "[hf]" in a message is text, not markup
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_BAD_INPUT if isinstance(exc, str) else exit_code(exc))


def stop(message: str) -> NoReturn:
    """Fail with a bad-input message."""
    raise fail(message) from None


@contextmanager
def guarded() -> Iterator[None]:
    """Turn library errors (and OS errors such as a full disk) into a message and an exit code, no traceback."""
    try:
        yield
    except DeepPersonaError as exc:
        raise fail(exc) from None
    except UnicodeDecodeError as exc:
        raise fail(ConfigError(f"an input file is not UTF-8 text ({exc.reason} at byte {exc.start}); "
                               "save it as UTF-8")) from None
    except OSError as exc:
        name = f" {exc.filename}" if exc.filename else ""
        message = f"cannot use{name}: {exc.strerror or exc}; check the path and its permissions"
        raise fail(ConfigError(message)) from None


def parse_anchor_options(values: list[str]) -> dict[str, str]:
    """``["age=34", "occupation=nurse"]`` -> dict; raises ConfigError on a malformed item."""
    anchors: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ConfigError(f"--anchor {item!r} is not key=value; write e.g. --anchor age=34")
        anchors[key.strip()] = value.strip()
    return anchors


def check_output_path(path: Path) -> None:
    """Fail before any work if the file ``path`` cannot be written."""
    parent = path.resolve().parent
    if not parent.is_dir():
        raise ConfigError(f"--out {path}: folder {parent} does not exist; create it or choose another path")
    if path.is_dir():
        raise ConfigError(f"--out {path} is a folder; give a file name such as {path.name or 'out'}.json")
    if not os.access(parent, os.W_OK):
        raise ConfigError(f"--out {path}: folder {parent} is not writable")


def check_output_folder(path: Path) -> None:
    """Fail before any work if the folder ``path`` cannot be created or written (it is not created here)."""
    if path.exists() and not path.is_dir():
        raise ConfigError(f"--out {path} is a file; give a folder for the results")
    existing = next((p for p in (path, *path.resolve().parents) if p.exists()), None)
    if existing is None or not existing.is_dir() or not os.access(existing, os.W_OK):
        raise ConfigError(f"--out {path}: cannot create a folder there; choose a writable place")


def make_folder(path: Path) -> Path:
    """Create the output folder (after every check passed)."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"--out {path}: cannot create the folder ({exc.strerror or exc})") from None
    return path


def print_estimate(estimate: object) -> None:
    """Print a ``--dry-run`` estimate (``estimate.Estimate``) on stdout."""
    for line in estimate.lines():  # type: ignore[attr-defined]
        console.print(line, highlight=False, soft_wrap=True)


def check_prices(price_in: float | None, price_out: float | None) -> None:
    """Both prices or neither."""
    if (price_in is None) != (price_out is None):
        raise ConfigError("give both --price-in and --price-out (USD per million prompt / completion tokens)")


write_atomic = write_text_atomic
