"""Exceptions raised by deeppersona-agents.

Every error derives from one root so callers can catch the whole family::

    DeepPersonaError
    ├── ConfigError          bad user input or configuration (country, anchors, k, files)
    ├── TaxonomyError        an attribute tree that cannot be loaded or fails validation
    ├── ModelError           a chat model or embedding backend that cannot be reached or built
    │   └── EndpointRateLimitError   the endpoint kept answering 429 after our retries
    └── GenerationError      a stage that could not produce valid output after its retries
        └── StructuredOutputError   the model's structured answer stayed invalid

Messages name what is wrong and how to fix it.
"""

from __future__ import annotations


class DeepPersonaError(Exception):
    """Root of every error raised by this package.

    ``param`` names the Python parameter(s) at fault (``"attributes"``, or a tuple when the remedy names
    several), so the CLI can name its flags; library messages never name CLI flags.
    """

    def __init__(self, *args: object, param: str | tuple[str, ...] | None = None) -> None:
        super().__init__(*args)
        self.param = param


class ConfigError(DeepPersonaError, ValueError):
    """Invalid input or configuration; the message says which value and how to fix it."""


class TaxonomyError(DeepPersonaError):
    """The attribute tree cannot be read or is malformed."""


class ModelError(DeepPersonaError):
    """A chat model or embeddings backend could not be built or reached."""


class EndpointRateLimitError(ModelError):
    """The endpoint kept refusing with HTTP 429 after the retries.

    One answer or persona is then given up (recorded missing or failed); a population run stops
    when several personas in a row end this way, as for any model error.
    """


class GenerationError(DeepPersonaError):
    """A generation stage failed after its retries."""

    def __init__(self, stage: str, message: str, *, param: str | tuple[str, ...] | None = None) -> None:
        super().__init__(f"[{stage}] {message}", param=param)
        self.stage = stage


class StructuredOutputError(GenerationError):
    """The model kept returning output that does not match the requested schema."""
