from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from deeppersona_agents.demographics import PopulationSampler, rake, resample
from deeppersona_agents.demographics.raking import read_targets, variable_values
from deeppersona_agents.errors import ConfigError


@pytest.fixture(scope="module")
def frame():
    df = PopulationSampler("USA").sample(5000, seed=9)
    df["age_band"] = pd.cut(df["age"], [17, 34, 54, 200], labels=["18-34", "35-54", "55+"]).astype(str)
    return df


def _weighted(frame, variable, w):
    return pd.Series(w).groupby(variable_values(frame, variable).to_numpy()).sum() / w.sum()


def test_raking_hits_every_target(frame):
    targets = {
        "education": {"less_than_primary": 0.02, "primary": 0.05, "lower_secondary": 0.08,
                      "upper_secondary": 0.45, "tertiary": 0.40},
        "age_band*sex": {f"{a}*{s}": v for a, v in (("18-34", 0.3), ("35-54", 0.32), ("55+", 0.38))
                         for s in ("male", "female")} | {},
    }
    targets["age_band*sex"] = {k: v / 2 for k, v in targets["age_band*sex"].items()}
    w = rake(frame, targets)
    assert w.sum() == pytest.approx(len(frame))
    for variable, shares in targets.items():
        got = _weighted(frame, variable, w)
        for key, share in shares.items():
            assert got[key] == pytest.approx(share, abs=1e-6)


def test_resampling_follows_the_weights(frame):
    targets = {"sex": {"male": 0.3, "female": 0.7}}
    out = resample(frame, rake(frame, targets), 20000, np.random.default_rng(0))
    assert (out["sex"] == "female").mean() == pytest.approx(0.7, abs=0.015)


def test_raking_errors(frame, tmp_path):
    with pytest.raises(ConfigError, match="no rows in the sample"):
        rake(frame, {"sex": {"male": 0.5, "other": 0.5}})
    with pytest.raises(ConfigError, match="sums to"):
        rake(frame, {"sex": {"male": 0.5, "female": 0.6}})
    with pytest.raises(ConfigError, match="unknown column"):
        rake(frame, {"shoe": {"a": 1.0}})
    path = tmp_path / "t.csv"
    path.write_text("variable,value,share\nsex,male,0.4\nsex,female,0.6\n")
    assert read_targets(str(path)) == {"sex": {"male": 0.4, "female": 0.6}}
    path.write_text("var,val\n")
    with pytest.raises(ConfigError, match="needs columns"):
        read_targets(str(path))
