"""A small synthetic file in the official WVS-7 format, with demographics, shared by the comparison tests.

Rows (IND unless noted), hand-checkable: W_WEIGHT, Q260 sex, Q262 age, Q275 ISCED, H_URBRURAL, Q289, then items.
"""

from __future__ import annotations

from pathlib import Path

HEADER = ["B_COUNTRY_ALPHA", "W_WEIGHT", "Q260", "Q262", "Q275", "H_URBRURAL", "Q289", "Q46", "Q57", "Q152", "Q1"]
ROWS = [
    ["IND", 2.0, 1, 25, 3, 1, 6, 1, 1, 1, 1],  # male 18-29 upper_secondary urban hindu
    ["IND", 1.0, 2, 40, 6, 2, 5, 2, 2, 2, 1],  # female 30-49 tertiary rural muslim
    ["IND", 1.0, 2, 60, 0, 1, 6, 3, 2, 1, 2],  # female 50+ less_than_primary urban hindu
    ["IND", 0.5, 1, 17, 4, 2, 9, 4, -2, 3, 3],  # male, under 18 (no age band), upper_secondary rural other
    ["IND", 1.5, 1, 55, -1, 1, 0, -1, 1, 1, 2],  # male 50+ (education missing) urban unaffiliated; Q46 missing
    ["DEU", 1.0, 2, 30, 7, 1, 1, 2, 1, 4, 1],
]


def write_official_file(path: Path) -> Path:
    """Write the rows as the official CSV: ``;``-separated, quoted header, UTF-8 with BOM."""
    text = ";".join(f'"{h}"' for h in HEADER) + "\n" + "\n".join(";".join(str(v) for v in r) for r in ROWS) + "\n"
    path.write_bytes("\ufeff".encode() + text.encode())
    return path
