"""Reading user files at the edge of the data flow: strict UTF-8 and a sane line length.

Every loader of a user's file (trees, personas, shallow inputs, conversations, reference tables,
judgements) reads text through :func:`read_user_text`, so a file in another encoding, an empty file
or a runaway line is refused with the file's name and the remedy, never decoded with replacement
characters or sent to a model. Output files are written by :mod:`deeppersona_agents._io`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from deeppersona_agents.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

#: Longest line (in characters) accepted from a user file or option: a longer one is a broken file
#: (or a whole file without newlines), not a persona, and would only be sent to the model to fail.
MAX_LINE_CHARS = 100_000


def not_utf8(path: str | Path, exc: UnicodeDecodeError) -> ConfigError:
    """The error for a file that is not UTF-8 text (names the byte offset and the remedy)."""
    return ConfigError(f"{path} is not UTF-8 text (byte {exc.start}: {exc.reason}); "
                       "save it as UTF-8, e.g. `iconv -f latin1 -t utf-8 in > out`")


def read_user_text(path: str | Path, what: str = "file", *, allow_empty: bool = False) -> str:
    """The text of ``path`` (UTF-8, an optional BOM dropped); ConfigError if unreadable, not UTF-8, or empty."""
    file = Path(path)
    try:
        raw = file.read_bytes()
    except IsADirectoryError:
        raise ConfigError(f"{what} {file} is a folder; give a file") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {what} {file}: {exc.strerror or exc}; check the path") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise not_utf8(file, exc) from None
    if not allow_empty and not text.strip():
        raise ConfigError(f"{what} {file} is empty; give a file with content")
    return text


def check_lines(text: str, path: str | Path) -> None:
    """ConfigError naming the first line longer than :data:`MAX_LINE_CHARS`."""
    for number, line in enumerate(text.splitlines(), 1):
        if len(line) > MAX_LINE_CHARS:
            raise ConfigError(f"{path}, line {number} has {len(line):,} characters (more than {MAX_LINE_CHARS:,}); "
                              "split it or check that the file is what you meant")


def check_text_option(value: str | None, name: str) -> None:
    """ConfigError when a free-text option is longer than :data:`MAX_LINE_CHARS`."""
    if value is not None and len(value) > MAX_LINE_CHARS:
        raise ConfigError(f"{name} has {len(value):,} characters (more than {MAX_LINE_CHARS:,}); shorten it",
                          param=name)


def read_user_csv(path: str | Path, what: str = "CSV file", **kwargs: Any) -> pd.DataFrame:
    """``pandas.read_csv(path, **kwargs)``; ConfigError if missing, empty, not UTF-8 or broken."""
    import pandas as pd

    file = Path(path)
    if file.is_dir():
        raise ConfigError(f"{what} {file} is a folder; give a CSV file")
    try:
        return pd.read_csv(file, **kwargs)
    except UnicodeDecodeError as exc:
        raise not_utf8(file, exc) from None
    except pd.errors.EmptyDataError:
        raise ConfigError(f"{what} {file} is empty; give a CSV file with a header row") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {what} {file}: {exc.strerror or exc}; check the path") from None
    except ValueError as exc:  # ParserError, missing usecols ...
        raise ConfigError(f"{what} {file} is not a readable CSV ({str(exc).splitlines()[0]}); fix the file") from None


def numeric_column(frame: pd.DataFrame, column: str, path: str | Path) -> pd.Series:
    """``frame[column]`` as floats; ConfigError naming the first value that is not a number (e.g. ``1,5``)."""
    import pandas as pd

    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() & frame[column].notna()
    if bad.any():
        first = frame[column][bad].iloc[0]
        raise ConfigError(f"{path}: column {column!r} holds {first!r}, which is not a number; write numbers with "
                          "a decimal point (1.5, not 1,5)")
    return values.astype(float)
