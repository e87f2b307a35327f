"""Configuration of Stage 2: frozen, validated when built, passed via LangGraph runtime context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from deeppersona_agents.errors import ConfigError
from deeppersona_agents.llm import STRUCTURED_METHODS, cache_dir_setting, tables_dir_setting
from deeppersona_agents.taxonomy import CATEGORIES


class GenerationConfig(BaseModel):
    """How one persona is generated.

    Attributes:
        attributes: k, the number of tree leaves sampled and filled by the LLM; a persona that does
            not get all k values fails (exactly k, or a recorded failure).
        strata_ratio: near : mid : far draw ratio (paper: 5:3:2).
        batch_size: attributes filled per LLM call.
        context_attributes: earlier values shown to each fill call (the most relevant ones).
        include_categories: if set, sample only from these first-level categories.
        exclude_categories: never sample from these first-level categories.
        summary_style: ``concise`` (about 150-250 words) or ``detailed``.
        structured_method: ``json_schema``, ``function_calling`` or ``json_mode``.
        attempts: tries per structured call before failing.
        demographics: ``census`` draws the core from the country's population tables;
            ``uniform`` reproduces the authors' uniform draws (for ablations).
        min_age: youngest age drawn for the core (7-85; adults by default).
        where: cohort the core is drawn from, e.g. ``"age>=30 and age<50 and isco_major==2"``
            (columns of ``deeppersona demographics sample``).
        tables_dir: folder of rebuilt country tables that take precedence over the shipped ones
            (default: ``DEEPPERSONA_DEMOGRAPHICS_DIR``, read once when the config is made).
        cache_dir: folder for recomputable files (leaf vectors of a tree or embeddings model the package
            does not ship vectors for); default ``DEEPPERSONA_CACHE`` or ``~/.cache/deeppersona-agents``,
            read once when the config is made; ``None`` keeps nothing on disk.
        current_year: the year "now" is for this persona; stated in every prompt and the upper bound of
            every year value.
        review: after filling, one model call lists contradictions and the flagged values are written
            again; ``None`` decides by the model (on for remote models, off for the embedded one).
        numbered_keys: fill schemas key the values ``a1``, ``a2``, ... (each explained once in the prompt;
            shorter, and providers bill the schema) instead of by attribute name; ``None`` decides by the
            model (numbered for remote models; names for local decoders, which take the key as their cue).
    """

    model_config = ConfigDict(frozen=True)

    attributes: int = Field(200, ge=1, le=100_000)
    strata_ratio: tuple[int, int, int] = (5, 3, 2)
    batch_size: int = Field(70, ge=1, le=200)
    context_attributes: int = Field(12, ge=0, le=500)
    include_categories: tuple[str, ...] = ()
    exclude_categories: tuple[str, ...] = ()
    summary_style: Literal["concise", "detailed"] = "concise"
    structured_method: str = "json_schema"
    attempts: int = Field(3, ge=1, le=10)
    demographics: Literal["census", "uniform"] = "census"
    min_age: int = Field(18, ge=7, le=85)
    where: str | None = None
    tables_dir: str | None = Field(default_factory=tables_dir_setting)
    cache_dir: str | None = Field(default_factory=lambda: str(cache_dir_setting()))
    current_year: int = Field(2026, ge=1900, le=2200)
    review: bool | None = None
    numbered_keys: bool | None = None

    @field_validator("strata_ratio")
    @classmethod
    def _ratio(cls, v: tuple[int, int, int]) -> tuple[int, int, int]:
        if any(x < 0 for x in v) or sum(v) == 0:
            raise ValueError("strata_ratio needs three non-negative weights with a positive sum, e.g. (5, 3, 2)")
        return v

    @field_validator("include_categories", "exclude_categories")
    @classmethod
    def _categories(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [c for c in v if c not in CATEGORIES]
        if unknown:
            raise ValueError(f"unknown categories {unknown}; choose from: {', '.join(CATEGORIES)}")
        return v

    @field_validator("where")
    @classmethod
    def _where(cls, v: str | None) -> str | None:
        if v is not None:
            from deeppersona_agents.demographics.cohort import parse_cohort
            from deeppersona_agents.demographics.sampler import COLUMNS

            parse_cohort(v, COLUMNS)  # refuses anything but the cohort language, now rather than mid-run
        return v

    @field_validator("structured_method")
    @classmethod
    def _method(cls, v: str) -> str:
        if v not in STRUCTURED_METHODS:
            raise ValueError(f"structured_method must be one of {STRUCTURED_METHODS}")
        return v

    @classmethod
    def build(cls, **kwargs: object) -> GenerationConfig:
        """Like the constructor, but raises :class:`ConfigError` naming the bad option."""
        try:
            return cls(**kwargs)  # type: ignore[arg-type]
        except ValueError as exc:
            errors: list[Any] = getattr(exc, "errors", lambda: [])()
            if errors:
                e = errors[0]
                cause = (e.get("ctx") or {}).get("error")
                name = str(e["loc"][0])
                if isinstance(cause, ConfigError):  # already names the option and the remedy
                    raise ConfigError(str(cause), param=cause.param or name) from None
                raise ConfigError(f"invalid {name}: {e['msg']}", param=name) from None
            raise ConfigError(str(exc)) from None


@dataclass(frozen=True)
class PersonaRunContext:
    """Optional per-run settings passed as LangGraph runtime context (``graph.invoke(..., context=...)``).

    The seed (and a config) can equally be given in the graph's input state, which is what a parent
    graph fanning out with ``Send`` should do; input state wins over the context. Without either,
    the seed is 0 and the config is the one the generator was built with.
    """

    seed: int | None = None
    config: GenerationConfig | None = None
    #: Also called with every progress event, without the cost of ``stream_mode="custom"``.
    listener: Callable[[dict[str, Any]], None] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.seed is not None:
            check_seed(self.seed)


def check_seed(seed: object) -> int:
    """``seed`` if it is a whole number >= 0, else a :class:`ConfigError` naming it."""
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ConfigError(f"seed={seed!r} is invalid; use a whole number >= 0", param="seed")
    return seed
