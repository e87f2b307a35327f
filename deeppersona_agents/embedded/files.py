"""Where the embedded models' files are: inside installed wheels, located without importing them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from deeppersona_agents.errors import ModelError


def package_dir(package: str, hint: str) -> Path:
    """The folder of an installed package (not imported), or a ModelError naming the install command."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ModelError(f"the embedded model needs the package {package!r}; install it with: {hint}")
    return Path(spec.origin).parent
