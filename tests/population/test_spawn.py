"""spawn_population end to end with fake models: contract, determinism, resume, failure isolation."""

from __future__ import annotations

import json

import pytest

from deeppersona_agents.errors import ConfigError
from deeppersona_agents.generation import STAGE_NAMES, STAGES, GenerationConfig
from deeppersona_agents.persona import Persona
from deeppersona_agents.population import load_shallow_personas, spawn_population
from tests.fakes import FakeChatModel
from tests.population.conftest import K, fake_spec, persona_bytes, read_lines


def spawn(out, n=6, **kw):
    kw.setdefault("model", FakeChatModel())
    kw.setdefault("config", GenerationConfig(attributes=kw.pop("attributes", K)))
    kw.setdefault("seed", 3)
    kw.setdefault("concurrency", 4)
    kw.setdefault("progress", False)
    return spawn_population("KEN", n, out=out, **kw)


def test_writes_exactly_n_valid_personas_in_index_order_with_a_manifest_and_summary(tmp_path):
    result = spawn(tmp_path / "ke", n=6)
    records = read_lines(tmp_path / "ke")
    assert [r["index"] for r in records] == list(range(6))
    personas = [Persona.model_validate(r) for r in records]
    assert len({p.id for p in personas}) == 6
    assert all(p.core.country == "KEN" and len(p.sampled_attributes()) == K for p in personas)
    assert all(str(a.value).strip() for p in personas for a in p.attributes)
    assert all(p.core.demographics.get("activity") for p in personas)
    manifest = json.loads((tmp_path / "ke" / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["n"] == 6
    assert manifest["fingerprint"]["config"]["attributes"] == K
    s = result.summary
    assert s["done"] == 6 and s["generated_this_run"] == 6 and s["missing"] == 0
    assert s["calls_billed"] == sum(p.manifest.llm_calls for p in personas) > 0
    assert s["prompt_tokens"] > 0 and s["personas_per_minute"] > 0
    assert set(s["stage_seconds"]) == set(STAGE_NAMES)  # timings live in the run's manifest
    assert set(result.audit["variable"]) >= {"sex", "age_band", "activity"}
    assert (tmp_path / "ke" / "audit.csv").exists()
    assert (tmp_path / "ke" / "failures.jsonl").read_text() == ""


def test_same_seed_same_personas_at_any_concurrency(tmp_path):
    spawn(tmp_path / "c1", n=5, concurrency=1)
    spawn(tmp_path / "c6", n=5, concurrency=6)
    assert persona_bytes(tmp_path / "c1") == persona_bytes(tmp_path / "c6")  # byte-identical, timings and all
    one = read_lines(tmp_path / "c1")
    assert all("timings" not in r["manifest"] for r in one)
    spawn(tmp_path / "other", n=5, seed=4)
    other = read_lines(tmp_path / "other")
    assert other[0]["core"] != one[0]["core"] or other[0]["stories"] != one[0]["stories"]


def test_a_grown_run_resumes_and_keeps_what_was_done(tmp_path):
    spawn(tmp_path / "ke", n=3)
    before = read_lines(tmp_path / "ke")
    result = spawn(tmp_path / "ke", n=5)
    after = read_lines(tmp_path / "ke")
    assert result.summary["generated_this_run"] == 2
    assert after[:3] == before and [r["index"] for r in after] == list(range(5))
    fresh = spawn(tmp_path / "fresh", n=5)
    assert fresh.summary["done"] == 5
    assert persona_bytes(tmp_path / "fresh") == persona_bytes(tmp_path / "ke")


def test_a_changed_configuration_on_resume_is_refused_then_forced(tmp_path):
    spawn(tmp_path / "ke", n=2)
    with pytest.raises(ConfigError, match="different configuration.*attributes"):
        spawn(tmp_path / "ke", n=2, attributes=K + 1)
    result = spawn(tmp_path / "ke", n=2, attributes=K + 1, force=True)
    assert result.summary["generated_this_run"] == 2
    assert all(len([a for a in r["attributes"] if a["provenance"] == "llm"]) == K + 1
               for r in read_lines(tmp_path / "ke"))


def test_flaky_and_malformed_model_every_persona_valid_or_listed_with_a_reason(tmp_path):
    flaky = FakeChatModel(failure_rate=0.3, malformed_rate=0.3, chaos_seed=5)
    result = spawn(tmp_path / "ke", n=12, model=flaky, retry_backoff=0.001)
    done = read_lines(tmp_path / "ke")
    failures = read_lines(tmp_path / "ke", "failures.jsonl")
    assert {r["index"] for r in done} | {f["index"] for f in failures} == set(range(12))
    assert not {r["index"] for r in done} & {f["index"] for f in failures}
    for record in done:
        persona = Persona.model_validate(record)
        assert len(persona.sampled_attributes()) == K
        assert all(str(a.value).strip() for a in persona.attributes), "no empty attribute values"
    for failure in failures:
        assert failure["stage"] in {name for name, _ in STAGES}
        assert failure["error"].strip()
    assert result.summary["transient_retries"] > 0
    assert result.summary["done"] + len(failures) == 12
    assert done, "with retries most personas should get through"


def test_a_persona_without_k_usable_values_is_a_recorded_failure_not_a_valid_record(tmp_path):
    def unusable_fill_values(n: int, answer: dict) -> str | None:
        story_or_profile = {"values", "attitude", "details", "coping", "summary", "hobbies"}
        keys = [k for k in answer if k not in story_or_profile and not k.startswith("story_")]
        # every fill value is unusable (not a denial): asked again, swapped, and still nothing usable comes back
        return json.dumps({**answer, **dict.fromkeys(keys, {"oops": 1})}) if len(keys) == len(answer) else None

    spawn(tmp_path / "ke", n=2, model=FakeChatModel(tamper=unusable_fill_values))
    assert read_lines(tmp_path / "ke") == []
    failures = read_lines(tmp_path / "ke", "failures.jsonl")
    assert [f["index"] for f in failures] == [0, 1]
    assert all(f["stage"] == "fill_attributes" and f"of the {K} attributes got a usable value" in f["error"]
               for f in failures)


def test_a_leaf_the_model_cannot_fill_twice_is_swapped_so_exactly_k_arrive(tmp_path):
    blanked: set[str] = set()

    def never_the_first_key(n: int, answer: dict) -> str | None:
        if len(answer) == K:  # a fill batch (k values in one call): its first key never gets a usable value
            blanked.add(next(iter(answer)))
        hit = blanked & set(answer)
        return json.dumps({**answer, **dict.fromkeys(hit, {"oops": 1})}) if hit else None

    # named fill keys, so the tamper recognises the same leaf in later calls (numbered keys restart at a1)
    spawn(tmp_path / "ke", n=2, model=FakeChatModel(tamper=never_the_first_key),
          config=GenerationConfig(attributes=K, numbered_keys=False))
    records = read_lines(tmp_path / "ke")
    assert len(records) == 2 and read_lines(tmp_path / "ke", "failures.jsonl") == []
    for record in records:
        llm = [a for a in record["attributes"] if a["provenance"] == "llm"]
        assert len(llm) == K and not ({a["path"].split(" > ")[-1] for a in llm} & blanked)
        assert len(record["manifest"]["not_applicable"]) == 1  # the swapped leaf is recorded, nothing stored for it


def test_failed_personas_are_retried_by_the_next_run(tmp_path):
    broken = FakeChatModel(malformed_rate=1.0, chaos_seed=1)
    first = spawn(tmp_path / "ke", n=3, model=broken)
    assert first.summary["done"] == 0 and first.summary["failed_this_run"] == 3
    assert len(read_lines(tmp_path / "ke", "failures.jsonl")) == 3
    second = spawn(tmp_path / "ke", n=3, model=FakeChatModel())
    assert second.summary["done"] == 3
    assert read_lines(tmp_path / "ke", "failures.jsonl") == []


def test_cohort_constraints_pass_through_to_the_sampler(tmp_path):
    spawn(tmp_path / "cohort", n=4, where="age>=30 and age<50 and isco_major==2")
    for record in read_lines(tmp_path / "cohort"):
        assert 30 <= record["core"]["age"] < 50
        assert record["core"]["demographics"]["isco_major"] == 2
    with pytest.raises(ConfigError, match="too rare or impossible"):
        spawn(tmp_path / "never", n=2, where="age > 200")


def test_code_in_a_cohort_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="is refused"):
        spawn(tmp_path / "pwn", n=1, where="@pd.io.common.os.system('touch pwned') == 0")
    with pytest.raises(ConfigError, match="is refused"):
        spawn(tmp_path / "pwn", n=1, where="age == __import__('os').system('touch pwned')")
    assert list(tmp_path.iterdir()) == []


def test_in_memory_run_without_out(tmp_path):
    result = spawn_population("JPN", 2, model=FakeChatModel(), config=GenerationConfig(attributes=K), progress=False)
    assert result.out is None
    assert [p.index for p in result.personas] == [0, 1]
    assert all(p.core.country == "JPN" for p in result.personas)


def test_a_model_spec_builds_the_model_in_the_worker(tmp_path):
    result = spawn(tmp_path / "spec", n=2, model=fake_spec())
    assert result.summary["done"] == 2
    manifest = json.loads((tmp_path / "spec" / "manifest.json").read_text())
    assert manifest["fingerprint"]["model"] == {"factory": "tests.fakes:FakeChatModel"}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"country": "XXZ"}, "unknown country|not a country|supported"),
    ({"n": 0}, "at least 1 persona"),
    ({"seed": -1}, "seed=-1"),
    ({"concurrency": 0}, "concurrency=0"),
    ({"engine": "spark"}, "engine=.spark"),
])
def test_bad_input_is_refused_before_any_work(tmp_path, kwargs, message):
    args = {"country": "KEN", "n": 2, **kwargs}
    with pytest.raises(ConfigError, match=message):
        spawn_population(args.pop("country"), args.pop("n"), out=tmp_path / "x", model=FakeChatModel(),
                         config=GenerationConfig(attributes=K), progress=False, **args)
    assert not (tmp_path / "x").exists()


def test_an_unwritable_out_is_refused(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError, match="cannot create out=|is a file"):
        spawn(blocker / "ke", n=1)


def test_ray_needs_a_spec_not_a_model_object(tmp_path):
    with pytest.raises(ConfigError, match="ModelSpec"):
        spawn(tmp_path / "r", n=1, engine="ray")


def test_enrichment_keeps_the_original_as_an_anchor(tmp_path):
    source = tmp_path / "shallow.jsonl"
    source.write_text(
        json.dumps({"persona": "A retired schoolteacher who restores old bicycles in Mombasa."}) + "\n"
        + json.dumps({"age": 41, "occupation": "bus driver", "hobby": "chess"}) + "\n"
    )
    inputs, digest = load_shallow_personas(source)
    result = spawn_population("KEN", None, out=tmp_path / "deep", model=FakeChatModel(),
                              config=GenerationConfig(attributes=K),
                              inputs=inputs, inputs_hash=digest, progress=False)
    first, second = result.personas
    assert first.anchors["bio"] == "A retired schoolteacher who restores old bicycles in Mombasa."
    assert second.core.age == 41 and second.core.occupation == "bus driver"
    assert second.anchors["hobby"] == "chess"
    assert any(a.provenance == "anchor" and a.value == "chess" for a in second.attributes)
    source.write_text(source.read_text() + json.dumps({"persona": "A third one."}) + "\n")
    changed, new_digest = load_shallow_personas(source)
    with pytest.raises(ConfigError, match="inputs"):
        spawn_population("KEN", 2, out=tmp_path / "deep", model=FakeChatModel(),
                         config=GenerationConfig(attributes=K), inputs=changed,
                         inputs_hash=new_digest, progress=False)
