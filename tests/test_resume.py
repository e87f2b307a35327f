"""The resumable-run manifest shared by populations and surveys: hash, diff, refusals, force."""

from __future__ import annotations

import json

import pytest

from deeppersona_agents._resume import fingerprint_diff, fingerprint_hash, open_manifest
from deeppersona_agents.errors import ConfigError

FP = {"seed": 1, "config": {"attributes": 12, "where": None}, "items": ["Q1"]}


def test_the_diff_names_each_changed_key_dotted_with_both_values():
    after = {"seed": 2, "config": {"attributes": 12, "where": "age>=30"}, "items": ["Q1"], "model": "m"}
    assert fingerprint_diff(FP, after) == 'config.where: null -> "age>=30"; model: null -> "m"; seed: 1 -> 2'


def test_the_hash_ignores_key_order_and_sees_every_value():
    assert fingerprint_hash(FP) == fingerprint_hash(dict(reversed(list(FP.items()))))
    assert fingerprint_hash(FP) != fingerprint_hash({**FP, "seed": 2})


def test_open_manifest_resumes_refuses_and_forces(tmp_path):
    args = dict(force=False, files=("log.jsonl", "manifest.json"), what="a test run")
    assert open_manifest(tmp_path, "manifest.json", "log.jsonl", FP, **args) is None  # fresh folder
    (tmp_path / "manifest.json").write_text(json.dumps({"fingerprint": FP, "runs": 3}))
    (tmp_path / "log.jsonl").write_text("{}\n")
    assert open_manifest(tmp_path, "manifest.json", "log.jsonl", FP, **args)["runs"] == 3
    with pytest.raises(ConfigError, match=r"a test run made with a different configuration \(seed: 1 -> 5\)") as exc:
        open_manifest(tmp_path, "manifest.json", "log.jsonl", {**FP, "seed": 5}, **args)
    assert exc.value.param == "force"
    assert open_manifest(tmp_path, "manifest.json", "log.jsonl", {**FP, "seed": 5}, **{**args, "force": True}) is None
    assert not (tmp_path / "manifest.json").exists() and not (tmp_path / "log.jsonl").exists()


def test_a_log_without_a_manifest_or_an_unreadable_manifest_is_refused(tmp_path):
    args = dict(force=False, files=("log.jsonl", "manifest.json"), what="a test run")
    (tmp_path / "log.jsonl").write_text("{}\n")
    with pytest.raises(ConfigError, match="log.jsonl without a manifest.json"):
        open_manifest(tmp_path, "manifest.json", "log.jsonl", FP, **args)
    for text in ("{torn", "[1, 2]"):
        (tmp_path / "manifest.json").write_text(text)
        with pytest.raises(ConfigError, match="force=True"):
            open_manifest(tmp_path, "manifest.json", "log.jsonl", FP, **args)
    assert (tmp_path / "log.jsonl").read_text() == "{}\n"
