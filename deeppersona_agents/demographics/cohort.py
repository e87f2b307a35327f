"""The cohort language of ``--where``: which drawn people to keep, and nothing else.

Sits between the user's ``--where`` text (CLI, ``spawn_population(where=...)``,
``GenerationConfig.where``) and the sampler, which keeps the rows of each batch of draws whose
mask is true. The text is parsed by Python's ``ast`` and every node is checked against an
allow-list, so a cohort can only compare the core's columns with literals::

    age >= 30 and age < 50 and isco_major == 2
    sex == "female" and (urban == True or education in ["tertiary", "upper_secondary"])
    not religion in ("muslim", "christian")
    30 <= age < 50

Anything else (names that are not columns, calls, attributes, ``@`` references, arithmetic,
subscripts) is refused with a :class:`ConfigError` that shows the allowed form. Nothing in the
text is ever evaluated as code. ``gender`` (the persona's field) is accepted for ``sex`` (the census
column); ``occupation_group``, the old spelling of ``isco_major``, still works with a warning.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from deeppersona_agents.errors import ConfigError

#: Other names accepted for columns: the persona's spelling of a census column.
ALIASES = {"gender": "sex"}
#: Old spellings, accepted for one release with a warning.
OLD_NAMES = {"occupation_group": "isco_major"}
#: Columns holding numbers (ordered comparisons allowed); ``urban`` holds True/False; the rest hold text.
NUMERIC = frozenset({"age", "isco_major"})
BOOLEAN = frozenset({"urban"})
MAX_LENGTH = 2000
ALLOWED_FORM = (
    "a cohort compares columns with literal values: column OP value, with OP one of == != < <= > >= "
    "(< <= > >= for age and isco_major only), column in (value, ...), column not in (...), combined with "
    "and, or, not and parentheses; text values in quotes, urban is True or False. "
    'Example: "age>=30 and age<50 and isco_major==2"'
)
_ORDER_OPS = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_EQ_OPS = (ast.Eq, ast.NotEq)
_IN_OPS = (ast.In, ast.NotIn)
_SYMBOL = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.In: "in",
           ast.NotIn: "not in"}


@dataclass(frozen=True)
class Cohort:
    """A checked cohort expression: ``mask(frame)`` says which rows belong to it."""

    text: str
    body: ast.expr

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        """Boolean array, one entry per row of ``frame``; rows whose answer is unknown (missing) are out."""
        return _eval(self.body, frame)


def parse_cohort(text: str | Cohort, columns: Sequence[str]) -> Cohort:
    """Check ``text`` against the cohort language over ``columns``.

    Raises:
        ConfigError: the text is not a cohort expression; the message shows the allowed form.
    """
    if isinstance(text, Cohort):
        return text
    cohort = _parse(str(text), tuple(columns))
    for old, new in OLD_NAMES.items():
        if re.search(rf"\b{old}\b", cohort.text):
            warnings.warn(f"the cohort column {old!r} is now {new!r} (its name in every file); {old!r} will be "
                          "removed in the next release", FutureWarning, stacklevel=2)
    return cohort


@lru_cache(maxsize=64)
def _parse(text: str, columns: tuple[str, ...]) -> Cohort:
    if not text.strip():
        raise ConfigError(f"where is refused: it is empty; {ALLOWED_FORM}", param="where")
    if len(text) > MAX_LENGTH:
        raise ConfigError(f"where is refused: {len(text):,} characters long (at most {MAX_LENGTH:,}); {ALLOWED_FORM}",
                          param="where")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        detail = getattr(exc, "msg", None) or type(exc).__name__
        raise ConfigError(f"where {text!r} is refused: cannot read it ({detail}); {ALLOWED_FORM}",
                          param="where") from None
    try:
        body = _check(tree.body, columns)
    except RecursionError:
        raise ConfigError(f"where {text!r} is refused: nested too deeply; {ALLOWED_FORM}", param="where") from None
    except _Refused as exc:
        raise ConfigError(f"where {text!r} is refused: {exc}; {ALLOWED_FORM}", param="where") from None
    return Cohort(text, body)


class _Refused(Exception):
    """A node outside the allow-list (message: what was found)."""


def _check(node: ast.expr, columns: tuple[str, ...]) -> ast.expr:
    """The node, with aliases replaced by column names, if it belongs to the language."""
    if isinstance(node, ast.BoolOp):
        return ast.BoolOp(op=node.op, values=[_check(v, columns) for v in node.values])
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return ast.UnaryOp(op=node.op, operand=_check(node.operand, columns))
    if isinstance(node, ast.Compare):
        return _check_compare(node, columns)
    raise _Refused(f"{_describe(node)} is not a comparison")


def _check_compare(node: ast.Compare, columns: tuple[str, ...]) -> ast.Compare:
    operands = [_operand(node.left, columns), *(_operand(c, columns) for c in node.comparators)]
    for op, left, right in zip(node.ops, operands, operands[1:], strict=False):
        symbol = _SYMBOL.get(type(op))
        if symbol is None:
            raise _Refused(f"the operator {type(op).__name__} is not allowed")
        if isinstance(op, _IN_OPS):
            if not isinstance(left, ast.Name) or not isinstance(right, ast.List):
                raise _Refused(f"'{symbol}' needs a column on the left and a list of values on the right")
            for item in right.elts:
                _check_literal(left.id, item, symbol)
            continue
        name, other = (left, right) if isinstance(left, ast.Name) else (right, left)
        if not isinstance(name, ast.Name):
            raise _Refused("a comparison needs a column on one side")
        if isinstance(other, ast.Name | ast.List):
            raise _Refused(f"compare {name.id} with a literal value, not with {_describe(other)}")
        if isinstance(op, _ORDER_OPS) and name.id not in NUMERIC:
            raise _Refused(f"{name.id} is not numeric; use == != or in with it")
        _check_literal(name.id, other, symbol)
    return ast.Compare(left=operands[0], ops=list(node.ops), comparators=operands[1:])


def _operand(node: ast.expr, columns: tuple[str, ...]) -> ast.expr:
    """A column name, a literal, or a list of literals (tuples and sets become lists)."""
    if isinstance(node, ast.Name):
        name = ALIASES.get(node.id) or OLD_NAMES.get(node.id) or node.id
        if name not in columns:
            raise _Refused(f"{node.id!r} is not a column (columns: {', '.join(columns)}; "
                           f"aliases: {', '.join(f'{a}={c}' for a, c in ALIASES.items())})")
        return ast.Name(id=name, ctx=ast.Load())
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        items: list[ast.expr] = [_literal_node(e) for e in node.elts]
        if not items:
            raise _Refused("an empty list matches nobody")
        return ast.List(elts=items, ctx=ast.Load())
    return _literal_node(node)


def _literal_node(node: ast.expr) -> ast.Constant:
    """A constant (a negative number counts as one)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd) \
            and isinstance(node.operand, ast.Constant) and _is_number(node.operand.value):
        value: float = node.operand.value  # type: ignore[assignment]  # a number, checked above
        return ast.Constant(-value if isinstance(node.op, ast.USub) else value)
    if isinstance(node, ast.Constant) and (_is_number(node.value) or isinstance(node.value, str | bool)):
        return ast.Constant(node.value)
    raise _Refused(f"{_describe(node)} is not a column or a literal value")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_literal(column: str, node: ast.expr, symbol: str) -> None:
    value = node.value if isinstance(node, ast.Constant) else None
    if column in NUMERIC and not _is_number(value):
        raise _Refused(f"{column} {symbol} {value!r}: {column} is a number")
    if column in BOOLEAN and not isinstance(value, bool):
        raise _Refused(f"{column} {symbol} {value!r}: {column} is True or False")
    if column not in NUMERIC | BOOLEAN and not isinstance(value, str):
        raise _Refused(f"{column} {symbol} {value!r}: {column} is text; put the value in quotes")


def _describe(node: ast.AST) -> str:
    try:
        return repr(ast.unparse(node))[:60]
    except Exception:  # noqa: BLE001 - only a description for the message
        return type(node).__name__


def _eval(node: ast.expr, frame: pd.DataFrame) -> np.ndarray:
    return _truth(node, frame).to_numpy(dtype=bool, na_value=False)


def _truth(node: ast.expr, frame: pd.DataFrame) -> pd.Series:
    """Nullable booleans (a comparison with a missing value is unknown, as in pandas)."""
    if isinstance(node, ast.BoolOp):
        parts = [_truth(v, frame) for v in node.values]
        out = parts[0]
        for part in parts[1:]:
            out = out & part if isinstance(node.op, ast.And) else out | part
        return out
    if isinstance(node, ast.UnaryOp):
        return ~_truth(node.operand, frame)
    assert isinstance(node, ast.Compare)
    operands = [node.left, *node.comparators]
    out = pd.Series(True, index=frame.index, dtype="boolean")
    for op, left, right in zip(node.ops, operands, operands[1:], strict=False):
        out &= _compare(op, _value(left, frame), _value(right, frame), frame.index)
    return out


def _value(node: ast.expr, frame: pd.DataFrame) -> Any:
    if isinstance(node, ast.Name):
        return frame[node.id]
    if isinstance(node, ast.List):
        return [e.value for e in node.elts]  # type: ignore[attr-defined]
    return node.value  # type: ignore[attr-defined]


_OPS = {ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b, ast.Lt: lambda a, b: a < b,
        ast.LtE: lambda a, b: a <= b, ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b}


def _compare(op: ast.cmpop, left: Any, right: Any, index: pd.Index) -> pd.Series:
    if isinstance(op, _IN_OPS):
        hit = left.isin(right)
        return (~hit if isinstance(op, ast.NotIn) else hit).astype("boolean")
    return pd.Series(_OPS[type(op)](left, right), index=index).astype("boolean")
