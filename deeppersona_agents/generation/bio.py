"""Node 1 helpers — what the user's bio states, and what an unlisted occupation is.

Called by the anchor node (``anchor.py``) before the core is drawn: :func:`facts_from_bio` asks the model
for the facts a free-text bio states and keeps only those the text itself supports (a value or a verbatim
quote found in it); :func:`classify_occupation` asks once which ISCO-08 major group an occupation outside
``data/occupations.json`` belongs to (cached on disk per model and title, so later runs do not ask again).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from deeppersona_agents.demographics import occupations
from deeppersona_agents.demographics.countries import resolve_country
from deeppersona_agents.errors import DeepPersonaError
from deeppersona_agents.generation.profile import StageRun, user_data
from deeppersona_agents.llm import chat_model_name

log = logging.getLogger(__name__)
#: Pronouns for the person the bio is about (relatives such as "her husband" do not count).
_MALE = re.compile(r"\b(he|him|his|himself)\b", re.I)
_FEMALE = re.compile(r"\b(she|her|hers|herself)\b", re.I)
_NUMBER_WORDS = ["zero|no|none", "one|an only|a single", "two|twins", "three|triplets", "four", "five", "six",
                 "seven", "eight", "nine", "ten", "eleven", "twelve"]
Quote = Field(None, description="the words of the biography that state this fact, verbatim")


class BioFacts(BaseModel):
    """Facts a biography states about the person it describes; null for everything it does not state."""

    name: str | None = Field(None, description="the person's name as written")
    age: int | None = Field(None, description="age in years, only when the number is written")
    gender: Literal["male", "female"] | None = None
    gender_quote: str | None = Quote
    country: str | None = Field(None, description="English name of the country the person lives in now")
    country_quote: str | None = Quote
    city: str | None = Field(None, description="city, town or village the person lives in now, as written")
    occupation: str | None = Field(None, description="current job or main activity as written "
                                                     "(e.g. 'retired schoolteacher', 'student', 'nurse')")
    education: Literal["less_than_primary", "primary", "lower_secondary", "upper_secondary", "tertiary"] | None = None
    education_quote: str | None = Quote
    marital_status: Literal["never_married", "married", "divorced_separated", "widowed"] | None = None
    marital_status_quote: str | None = Quote
    children: int | None = Field(None, description="number of children, only when the text gives it")
    children_quote: str | None = Quote
    religion: Literal["christian", "muslim", "unaffiliated", "hindu", "buddhist", "folk_religion", "jewish",
                      "other"] | None = None
    religion_quote: str | None = Quote
    settlement: Literal["urban", "rural"] | None = None
    settlement_quote: str | None = Quote


BIO_PROMPT = """\
A user is creating a synthetic person and has described them in their own words (below). The user's \
anchors and biography come first: every fact you report here is fixed for this person and overrides the \
census tables that fill in everything else. So report exactly what the text states about the person it \
describes, and nothing more.

For each field give the value only when the biography states it about this person; otherwise null. Do \
not infer from stereotypes, names, jobs or places (a nurse's education, a Muslim-sounding name, a \
farmer's village are not statements). For the fields with a *_quote partner, copy the few words of the \
biography that state the fact, verbatim, into the quote; a fact whose quote is not found in the text is \
discarded.

- country: where the person lives now. A migrant who "moved from Turkey to Berlin" lives in Germany; \
a demonym counts ("a Kenyan schoolteacher" lives in Kenya unless the text says otherwise).
- city: the place of residence now, as written; not a birthplace or a past home.
- age: only a written number of years ("34", "aged 61"); never estimate from "in her fifties" or a life stage.
- occupation: the current job or main activity in the biography's words; keep qualifiers such as "retired".
- education: highest level completed. less_than_primary = no schooling or primary unfinished; primary; \
lower_secondary = junior secondary or middle school; upper_secondary = high school, secondary school \
leaving certificate, vocational diploma; tertiary = any college or university degree or diploma.
- marital_status: married includes living with a partner; divorced_separated for divorced or separated \
(even if now raising children alone); widowed; never_married only when the text says single or never married.
- children: how many children the person has, when a number is given or countable ("two daughters" = 2).
- religion: only a stated faith or its absence.
- settlement: urban for a city or town, rural for a village, farm or countryside, when the text says so.

{data}"""


def _said(quote: str | None, bio: str) -> bool:
    """True when ``quote`` appears in ``bio`` (case and spacing ignored)."""
    if not quote or not quote.strip():
        return False
    squash = lambda s: " ".join(s.lower().split())  # noqa: E731
    return squash(quote) in squash(bio)


def _counted(count: int, quote: str) -> bool:
    """True when the quote writes the number ``count`` (as digits or as a word)."""
    if re.search(rf"\b{count}\b", quote):
        return True
    return 0 <= count < len(_NUMBER_WORDS) and bool(re.search(rf"\b({_NUMBER_WORDS[count]})\b", quote, re.I))


def facts_from_bio(bio: str, run: StageRun) -> dict[str, Any]:
    """Facts the bio states, each kept only when the bio literally supports it (the model may not invent)."""
    facts = run.ask(BioFacts, BIO_PROMPT.format(data=user_data([("biography", bio)])))
    low = bio.lower()
    kept: dict[str, Any] = {}
    if facts.age is not None and 0 <= facts.age <= 120 and re.search(rf"\b{facts.age}\b", bio):
        kept["age"] = facts.age
    for field in ("name", "city", "occupation"):
        value = getattr(facts, field)
        if value and value.strip() and value.strip().lower() in low:
            kept[field] = value.strip()
    if facts.country and _said(facts.country_quote, bio):
        try:
            iso3 = resolve_country(facts.country, run.config.tables_dir)
        except DeepPersonaError:
            iso3 = None
        if iso3 is not None:
            kept["country"] = iso3
    for field in ("education", "marital_status", "religion"):
        if getattr(facts, field) and _said(getattr(facts, f"{field}_quote"), bio):
            kept[field] = getattr(facts, field)
    if facts.settlement and _said(facts.settlement_quote, bio):
        kept["urban"] = facts.settlement
    if (facts.children is not None and 0 <= facts.children <= 30 and _said(facts.children_quote, bio)
            and _counted(facts.children, facts.children_quote or "")):
        kept["children"] = facts.children
    if facts.gender and _said(facts.gender_quote, bio):
        kept["gender"] = facts.gender
    else:
        male, female = bool(_MALE.search(bio)), bool(_FEMALE.search(bio))
        if male != female:
            kept["gender"] = "male" if male else "female"
    return kept


class OccupationClass(BaseModel):
    """Where an occupation sits in ISCO-08."""

    isco_major: int = Field(ge=-1, le=9, description="ISCO-08 major group 0-9; -1 when it is not paid work")
    activity: Literal["employed", "unemployed", "student", "retired", "homemaker", "other_inactive"]
    min_age: int = Field(ge=10, le=60, description="youngest age at which someone usually does this work")


CLASSIFY_PROMPT = """\
Classify the occupation below in ISCO-08 (International Standard Classification of Occupations, ILO). \
Major groups: 1 managers; 2 professionals (usually a university degree: doctors, nurses, teachers, \
engineers, lawyers); 3 technicians and associate professionals; 4 clerical support workers; 5 service \
and sales workers; 6 skilled agricultural, forestry and fishery workers; 7 craft and related trades \
workers; 8 plant and machine operators and assemblers; 9 elementary occupations; 0 armed forces. \
activity: employed for any paid or own-account work; student, retired, unemployed or homemaker when the \
title says so (then isco_major is the group of the former or intended job, or -1). min_age: the youngest \
age at which people usually hold this job, counting the training it needs.

{data}"""


def classify_occupation(title: str, run: StageRun) -> occupations.Occupation:
    """The title's ISCO-08 group: from the lists, else this model's cached answer, else asked once.

    A new answer is cached under the cache folder (keyed by model and title); unknown when the model fails.
    """
    known = occupations.classify_title(title)
    if known.known:
        return known
    model = chat_model_name(run.deps.model)
    folder = Path(run.config.cache_dir) if run.config.cache_dir else None  # the run's cache folder
    cached = occupations.recall(title, model, folder) if folder is not None else None
    if cached is not None:
        return cached
    try:
        answer = run.ask(OccupationClass, CLASSIFY_PROMPT.format(data=user_data([("occupation", title)])))
    except DeepPersonaError as exc:  # the core is still drawn: no ISCO group, so no education floor
        log.warning("could not classify occupation %r (%s); its ISCO group stays unknown", title, exc)
        return known
    group = None if answer.isco_major < 0 else answer.isco_major
    return occupations.remember(title, group, answer.activity, answer.min_age, model=model, cache_dir=folder)
