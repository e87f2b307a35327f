from __future__ import annotations

import numpy as np
import pytest

from deeppersona_agents.demographics import PopulationSampler
from deeppersona_agents.demographics.cohort import parse_cohort
from deeppersona_agents.demographics.sampler import COLUMNS
from deeppersona_agents.errors import ConfigError

EXPLOITS = [
    "@pd.io.common.os.system('touch {marker}') == 0",
    "__import__('os').system('touch {marker}') == 0",
    "age.__class__.__mro__[-1].__subclasses__() == 0",
    "open('{marker}', 'w') == 0",
    "[c for c in ().__class__.__base__.__subclasses__()] == 0",
    "age == (lambda: __import__('os').system('touch {marker}'))()",
    "sex == `touch {marker}`",
    "age == 30; import os; os.system('touch {marker}')",
    "(age + 1) > 30",
    "sex.str.len() > 3",
    "age == @age",
    "city == name",
]

#: Expressions that ran through ``DataFrame.query(engine="python")`` before (same rows expected).
VALID = [
    "age>=30 and age<50 and isco_major==2",
    "sex == 'female' and urban == True",
    "not (isco_major == 2)",
    "education in ['tertiary', 'upper_secondary'] or age > 70",
    "religion not in ('muslim', 'christian')",
    "30 <= age < 50",
    "gender != 'male' and (marital_status == 'married' or activity == 'retired')",
    "isco_major != 2",
    "isco_major in [1, 2] and not urban == False",
]


@pytest.fixture(scope="module")
def draws():
    return PopulationSampler("KEN").sample(3000, seed=5)


@pytest.mark.parametrize("template", EXPLOITS)
def test_code_in_where_is_refused_and_runs_nothing(template, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "pwned"
    text = template.format(marker=marker)
    with pytest.raises(ConfigError, match="allowed|cohort compares") as info:
        PopulationSampler("KEN").sample(2, seed=1, where=text)
    assert "age>=30 and age<50" in str(info.value)  # the message shows the allowed form
    assert not marker.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("text", VALID)
def test_valid_cohorts_keep_the_rows_pandas_query_kept(text, draws):
    aliased = draws.assign(gender=draws["sex"], occupation_group=draws["isco_major"])
    kept = aliased.query(text, engine="python")  # the old evaluator, on a trusted constant string
    mask = parse_cohort(text, COLUMNS).mask(draws)
    assert mask.dtype == bool and len(mask) == len(draws)
    assert 0 < mask.sum() < len(draws)
    assert np.flatnonzero(mask).tolist() == kept.index.tolist()


def test_sampler_draws_the_same_people_as_before_for_a_valid_cohort():
    sampler = PopulationSampler("DEU")
    with pytest.warns(FutureWarning, match="'occupation_group' is now 'isco_major'"):  # the old spelling, for now
        frame = sampler.sample(50, seed=3, where="age>=30 and age<50 and occupation_group==2")
    assert frame["age"].between(30, 49).all() and (frame["isco_major"] == 2).all()
    again = sampler.sample(50, seed=3, where="30 <= age < 50 and isco_major in [2]")
    assert frame.equals(again)


@pytest.mark.parametrize(("text", "problem"), [
    ("shoe_size > 3", "'shoe_size' is not a column"),
    ("sex > 'f'", "sex is not numeric"),
    ("age == 'thirty'", "age is a number"),
    ("urban == 1", "urban is True or False"),
    ("city == Nairobi", "'Nairobi' is not a column"),
    ("age in 30", "list of values"),
    ("age", "is not a comparison"),
    ("", "is empty"),
    ("age >", "cannot read"),
    ("(" * 500 + "age > 3" + ")" * 500, "cannot read|nested too deeply"),
    ("age > 3 and " * 400 + "age < 9", "characters long"),
])
def test_refusals_name_the_problem(text, problem):
    with pytest.raises(ConfigError, match=problem):
        parse_cohort(text, COLUMNS)


def test_fixed_fields_cannot_be_escaped_by_parentheses():
    # the old string concatenation let ")" close the cohort and drop the fixed age; now it cannot parse
    with pytest.raises(ConfigError, match="cannot read"):
        PopulationSampler("KEN").draw_person(np.random.default_rng(1), {"age": 40}, where="age > 3) or (age < 200")
    drawn = PopulationSampler("KEN").draw_person(np.random.default_rng(1), {"age": 40, "sex": "female"},
                                                 where="age > 30 or age < 20")
    assert drawn["age"] == 40 and drawn["sex"] == "female"
