"""Who answers: the respondent description for each comparison method.

* ``deep``      — our persona: summary, core, values, attitude, hobbies and ``depth`` attributes;
* ``cultural``  — country only (cultural prompting, as in Tao et al. 2024);
* ``shallow``   — at most ten demographic fields;
* ``oneliner``  — one sentence, PersonaHub style;
* ``bare``      — no description at all.
"""

from __future__ import annotations

from deeppersona_agents.demographics import country_name
from deeppersona_agents.errors import ConfigError
from deeppersona_agents.persona import Persona

METHODS: tuple[str, ...] = ("deep", "cultural", "shallow", "oneliner", "bare")

#: Demonyms for the survey's nationality wording (Q254); other countries fall back to a phrase.
DEMONYMS = {
    "ARG": "Argentinian", "AUS": "Australian", "BGD": "Bangladeshi", "BRA": "Brazilian", "CAN": "Canadian",
    "CHN": "Chinese", "COL": "Colombian", "DEU": "German", "EGY": "Egyptian", "ESP": "Spanish", "FRA": "French",
    "GBR": "British", "IDN": "Indonesian", "IND": "Indian", "IRN": "Iranian", "ITA": "Italian", "JPN": "Japanese",
    "KEN": "Kenyan", "KOR": "South Korean", "MEX": "Mexican", "NGA": "Nigerian", "PAK": "Pakistani",
    "POL": "Polish", "RUS": "Russian", "TUR": "Turkish", "USA": "American", "VNM": "Vietnamese",
    "ZAF": "South African",
}


def nationality(iso3: str) -> str:
    """``"Kenyan"`` for KEN; a neutral phrase where no demonym is listed."""
    return DEMONYMS.get(iso3, f"a citizen of {country_name(iso3)}")


def describe(persona: Persona, method: str, depth: int | None = None) -> str:
    """The respondent description put before each question (empty for ``bare``).

    Args:
        persona: The respondent's persona (baselines use only its country or demographics).
        method: One of :data:`METHODS`.
        depth: For ``deep``, how many sampled attributes to show (None = all; 0 = none).
    """
    core = persona.core
    place = country_name(core.country)
    if method == "deep":
        attrs = persona.sampled_attributes()
        shown = attrs if depth is None else attrs[:depth]
        lines = [
            f"You are {core.name}. {persona.summary}", "",
            f"About you: {core.as_text()}.", f"Your values: {persona.values}",
            f"Your outlook: {persona.attitude.attitude} {persona.attitude.details}",
            f"Your hobbies: {', '.join(persona.hobbies)}",
        ]
        if shown:
            lines += ["More about you:", *(f"- {a.as_text()}" for a in shown)]
        return "\n".join(lines)
    if method == "cultural":
        return f"You are an average person born and living in {place}, answering a survey as yourself."
    if method == "shallow":
        fields = {"Name": core.name, "Age": core.age, "Gender": core.gender, "Country": place, "City": core.city,
                  "Occupation": core.occupation}
        return "You are the following person:\n" + "\n".join(f"{k}: {v}" for k, v in fields.items())
    if method == "oneliner":
        return f"You are a {core.age}-year-old {core.gender} {core.occupation} from {core.city}, {place}."
    if method == "bare":
        return ""
    raise ConfigError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
