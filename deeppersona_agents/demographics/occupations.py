"""Occupations: titles -> ISCO-08 major group, activity, minimum age, and the education they need.

Sits in the anchored core between the user's facts and the draw: ``facts.py`` classifies an anchored or
bio occupation here, and ``sampler.py`` uses the same tables to draw occupation and education jointly
(:data:`EDUCATION_FLOOR`). Titles come from ``data/occupations.json`` (the drawn list plus titles only
recognised); a title unknown there is classified once by the model (the anchor stage asks it) and taught
with :func:`remember`: to this process, and, given a cache folder, to disk (one small JSON file per model and
normalised title), so later runs :func:`recall` it without asking again.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from deeppersona_agents._io import write_json_atomic
from deeppersona_agents.caching import load_once
from deeppersona_agents.demographics.tables import EDUCATION_LEVELS

#: ISCO major groups nobody under this age is drawn into (armed forces, managers, professionals).
ISCO_MIN_AGE = {0: 18, 1: 21, 2: 21}
#: Youngest age at which each education level can be complete (the sampler moves younger people down).
EDUCATION_MIN_AGE = {"less_than_primary": 0, "primary": 12, "lower_secondary": 15, "upper_secondary": 18,
                     "tertiary": 21}
#: The usual minimum education of each ISCO-08 major group, from the ISCO-08 skill levels: professionals
#: (skill level 4) need a degree; managers and technicians (levels 3-4) upper secondary; clerks read and
#: keep records (lower secondary); plant and machine operators need literacy for licences (primary);
#: armed forces primary. Service, sales, agricultural, craft and elementary work (levels 1-2) is learned
#: on the job, so no floor: in low-income countries most such workers have little schooling. The draw
#: zeroes the age x sex education shares below the floor and renormalises (the floor itself when nothing
#: is left); an education anchor likewise removes the groups whose floor lies above it.
EDUCATION_FLOOR = {0: "primary", 1: "upper_secondary", 2: "tertiary", 3: "upper_secondary",
                   4: "lower_secondary", 5: "less_than_primary", 6: "less_than_primary", 7: "less_than_primary",
                   8: "primary", 9: "less_than_primary"}
#: What a person not in paid work gives as occupation.
ACTIVITY_TITLES = {
    "unemployed": "unemployed, looking for work",
    "student": "student",
    "retired": "retired",
    "homemaker": "homemaker",
    "other_inactive": "not in paid work",
    "pupil": "school pupil",
}
#: Every activity a classified title can have.
ACTIVITIES = ("employed", "unemployed", "student", "retired", "homemaker", "other_inactive")
#: Youngest age for a job title nobody has classified (the ILO general minimum working age).
UNKNOWN_TITLE_MIN_AGE = 15
_ACTIVITY_WORDS = [
    ("student", r"\b(student|pupil|undergraduate|postgraduate|schoolgirl|schoolboy)\b"),
    ("retired", r"\b(retired|retiree|pensioner)\b"),
    ("unemployed", r"\b(unemployed|jobless|job ?seeker|looking for work|out of work)\b"),
    ("homemaker", r"\b(homemaker|housewife|househusband|stay[- ]at[- ]home)\b"),
]
_LEARNED: dict[str, Occupation] = {}
_LOCK = threading.Lock()


class Occupation(NamedTuple):
    """What a title says: ISCO-08 major group (None when unknown), activity, youngest plausible age."""

    title: str
    isco_major: int | None
    activity: str
    min_age: int
    known: bool  # False: nobody classified the title; group and floor are unknown


def _rows() -> tuple[list[dict], list[dict]]:
    ref = resources.files("deeppersona_agents.demographics") / "data" / "occupations.json"
    data = json.loads(ref.read_text(encoding="utf-8"))
    return data["occupations"], data.get("recognised", {}).get("occupations", [])


@load_once
def occupation_titles() -> pd.DataFrame:
    """Drawn occupation titles with ISCO-08 major group and minimum age."""
    drawn, _ = _rows()
    return pd.DataFrame([r for r in drawn if r["isco_major"] >= 0])


@load_once
def _title_index() -> dict[str, tuple[int, int]]:
    """Every listed title (drawn and recognised), normalised -> (ISCO major group, minimum age)."""
    drawn, recognised = _rows()
    return {normalise(r["title"]): (int(r["isco_major"]), int(r["min_age"]))
            for r in drawn + recognised if r["isco_major"] >= 0}


def normalise(title: str) -> str:
    """Lower case, single spaces, no leading article or trailing full stop."""
    text = " ".join(str(title).lower().replace("-", " ").split()).rstrip(".")
    return re.sub(r"^(a|an|the) ", "", text)


@load_once
def isco_entry_ages() -> dict[int, int]:
    """Youngest age each group is drawn at: its youngest title, the policy floor and its education floor."""
    youngest = occupation_titles().groupby("isco_major")["min_age"].min()
    return {int(g): max(int(a), ISCO_MIN_AGE.get(int(g), 0), EDUCATION_MIN_AGE[EDUCATION_FLOOR[int(g)]])
            for g, a in youngest.items()}


def activity_of(title: str) -> str:
    """The activity a title states (student, retired, unemployed, homemaker), else employed."""
    low = normalise(title)
    for activity, pattern in _ACTIVITY_WORDS:
        if re.search(pattern, low):
            return activity
    return "employed"


def _lookup(text: str) -> tuple[int, int] | None:
    """Group and minimum age of a title: exact, then without qualifiers in front or after."""
    index = _title_index()
    text = re.split(r"\b(at|in|for|with|of the|from)\b", text)[0].strip() or text
    words = text.split()
    for start in range(len(words)):
        candidate = " ".join(words[start:])
        for form in (candidate, candidate[:-1] if candidate.endswith("s") else None):
            if form and form in index:
                return index[form]
    return None


def classify_title(title: str) -> Occupation:
    """What the lists (and titles taught with :func:`remember`) say about ``title``.

    "retired teacher" is retired with the teacher's group (the former job still sets the education
    floor); an unlisted title comes back with ``known=False``.
    """
    key = normalise(title)
    with _LOCK:
        if key in _LEARNED:
            return _LEARNED[key]
    for activity, drawn in ACTIVITY_TITLES.items():  # the sampler's own titles for people not in paid work
        if key == drawn:
            return Occupation(title, None, "student" if activity == "pupil" else activity, 7, True)
    activity = activity_of(key)
    core = key
    for _, pattern in _ACTIVITY_WORDS:
        core = re.sub(pattern, " ", core)
    core = " ".join(re.sub(r"\b(former|ex|currently|now)\b|[^\w\s]", " ", core).split())
    found = _lookup(core) if core and activity != "student" else None
    if activity == "student":  # whatever the subject: no group, and a pupil can be young
        return Occupation(title, None, "student", 15 if found or core else 7, True)
    if found is None:  # a bare activity ("retired") is understood; a job nobody listed is not
        return Occupation(title, None, activity, 7 if activity == "student" else UNKNOWN_TITLE_MIN_AGE, not core)
    group, min_age = found
    return Occupation(title, group, activity, min_age, True)


def remember(title: str, isco_major: int | None, activity: str, min_age: int, *, model: str | None = None,
             cache_dir: Path | None = None) -> Occupation:
    """Teach this process what an unlisted title is (the model's classification); returns it.

    With ``model`` and ``cache_dir`` the classification is also written to disk (atomically) for
    :func:`recall` in later runs; a folder that cannot be written only costs a new call next time.
    """
    occupation = Occupation(title, isco_major, activity, max(int(min_age), UNKNOWN_TITLE_MIN_AGE), True)
    with _LOCK:
        _LEARNED[normalise(title)] = occupation
    if model is not None and cache_dir is not None:
        path = _cache_file(cache_dir, model, title)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_json_atomic(path, {"model": model, "title": normalise(title), "isco_major": isco_major,
                                     "activity": activity, "min_age": occupation.min_age})
        except OSError:
            pass
    return occupation


def recall(title: str, model: str, cache_dir: Path) -> Occupation | None:
    """The classification ``model`` gave ``title`` in an earlier run (taught to this process too), else None."""
    path = _cache_file(cache_dir, model, title)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        group = data["isco_major"]
        known = (data["model"], data["title"]) == (model, normalise(title)) and data["activity"] in ACTIVITIES
        if not known or not (group is None or isinstance(group, int) and 0 <= group <= 9):
            return None
        return remember(title, group, str(data["activity"]), int(data["min_age"]))
    except (OSError, ValueError, KeyError, TypeError):  # absent or damaged: ask the model again
        return None


def _cache_file(cache_dir: Path, model: str, title: str) -> Path:
    """One file per (model, normalised title), named by their hash."""
    key = hashlib.sha256(f"{model}\n{normalise(title)}".encode()).hexdigest()[:32]
    return Path(cache_dir) / "occupation-classes" / f"{key}.json"


def education_floor(group: int | None, age: int | None = None) -> str:
    """The lowest education a member of ``group`` has, never above what ``age`` allows."""
    floor = EDUCATION_FLOOR.get(group, "less_than_primary") if group is not None else "less_than_primary"
    if age is not None:
        floor = cap_education(floor, age)
    return floor


def cap_education(level: str, age: int) -> str:
    """Move a level down to what someone of ``age`` can already have completed."""
    reachable = [lv for lv in EDUCATION_LEVELS if EDUCATION_MIN_AGE[lv] <= age]
    return EDUCATION_LEVELS[min(EDUCATION_LEVELS.index(level), len(reachable) - 1)]


def isco_shares(shares: np.ndarray, age: int, education: str | None = None) -> np.ndarray:
    """Occupation shares for someone of ``age`` (and fixed ``education``): closed groups removed, renormalised."""
    p = shares.copy()
    rank = None if education is None else EDUCATION_LEVELS.index(education)
    for group, min_age in isco_entry_ages().items():
        if age < min_age or (rank is not None and EDUCATION_LEVELS.index(EDUCATION_FLOOR[group]) > rank):
            p[group] = 0.0
    if p.sum() == 0:  # nobody this young (or this schooled) works in any group; keep the open ones
        p = np.array([shares[g] + 1e-9 if EDUCATION_FLOOR[g] == "less_than_primary" else 0.0 for g in range(10)])
    return p / p.sum()
