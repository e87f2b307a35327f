"""Fault injection: a population and a survey against an OpenAI-compatible endpoint that misbehaves.

The endpoint (``tests/openai_stub.py``, a local HTTP server, reached by the real ``ChatOpenAI``
client) answers each request, by a seeded draw, with an HTTP error (500 or 429), a mangled body
(invalid JSON: a missing brace, prose around the object, single quotes), a reply cut in the middle
with ``finish_reason`` ``length``, or a good answer. It remembers every value it sent in a complete,
good reply; a stored value it never sent that way is a truncated or invented one.

    python benchmarks/bench_faults.py [--n 40] [--k 30] [--faults 0.3] [--malformed 0.3] [--truncated 0.1]

Prints personas valid / failed / lost and answers valid / missing / invented, and the calls the
endpoint saw next to the calls the run reported. Target (issue 24): 0 truncated or invented values at
30 % faults + 30 % malformed + 10 % truncated.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import deeppersona_agents.usage as usage_module  # noqa: E402
from deeppersona_agents import GenerationConfig, MiniLMEmbeddings, Persona, generate_persona  # noqa: E402
from deeppersona_agents.llm import resolve_chat_model  # noqa: E402
from deeppersona_agents.population import ModelSpec, spawn_population  # noqa: E402
from deeppersona_agents.simulation.survey import SurveyModel  # noqa: E402
from tests.fakes import FakeChatModel  # noqa: E402
from tests.openai_stub import Reply, StubEndpoint  # noqa: E402

ITEMS = ["Q1", "Q2", "Q45", "Q46", "Q49", "Q57", "Q164", "Q184", "Q209", "Q254"]
MANGLERS = (
    lambda t: t[:-1],  # the closing brace lost: a lenient parser repairs this one
    lambda t: "Sure! Here is the JSON you asked for: " + t,
    lambda t: t.replace('"', "'"),
    lambda t: t + " Let me know if you need anything else.",
)


def leaves(value: Any) -> list[str]:
    """Every scalar inside a JSON value, as text (strings stripped, as the stages store them)."""
    if isinstance(value, dict):
        return [s for v in value.values() for s in leaves(v)]
    if isinstance(value, list):
        return [s for v in value for s in leaves(v)]
    return [json.dumps(value.strip() if isinstance(value, str) else value)]


def llm_values(record: dict[str, Any]) -> list[tuple[str, Any]]:
    """Every value of a persona record that a model reply supplied."""
    out: list[tuple[str, Any]] = [(a["path"], a["value"]) for a in record["attributes"] if a["provenance"] == "llm"]
    out += [("values", record["values"]), ("attitude", record["attitude"]), ("stories", record["stories"]),
            ("hobbies", record["hobbies"]), ("summary", record["summary"])]
    return out


def conversation_key(messages: list[Any]) -> str:
    """Who is asked what: the first two messages (retries only append to them)."""
    texts = [m["content"] if isinstance(m, dict) else m.content for m in messages[:2]]
    return hashlib.sha256("\x00".join(str(t) for t in texts).encode()).hexdigest()


class FaultyEndpoint:
    """The script of a :class:`StubEndpoint`: seeded faults, and a ledger of what was sent whole."""

    def __init__(self, faults: float, malformed: float, truncated: float, seed: int) -> None:
        self.shares = (faults, malformed, truncated)
        self.seed = seed
        self.sent_whole: set[str] = set()  # every scalar value of every complete, good reply
        self.answers: dict[str, set[int]] = {}  # survey: conversation -> answers sent whole
        self.kinds: dict[str, int] = {"ok": 0, "http_500": 0, "http_429": 0, "malformed": 0, "truncated": 0}
        self._lock = threading.Lock()

    def __call__(self, number: int, body: dict[str, Any], text: str) -> Reply | None:
        roll = random.Random(self.seed * 1_000_003 + number)
        draw, (faults, malformed, truncated) = roll.random(), self.shares
        if draw < faults:
            kind, reply = ("http_500", Reply(status=500)) if roll.random() < 0.5 else ("http_429", Reply(status=429))
        elif draw < faults + malformed:
            kind, reply = "malformed", Reply(text=roll.choice(MANGLERS)(text))
        elif draw < faults + malformed + truncated:
            kind, reply = "truncated", Reply(text=text[: max(1, int(len(text) * roll.uniform(0.3, 0.95)))],
                                            finish_reason="length")
        else:
            kind, reply = "ok", None
        with self._lock:
            self.kinds[kind] += 1
            if reply is None:
                answer = json.loads(text)
                self.sent_whole.update(leaves(answer))
                if set(answer) == {"answer"}:
                    self.answers.setdefault(conversation_key(body["messages"]), set()).add(answer["answer"])
        return reply


def population(endpoint: FaultyEndpoint, url: str, n: int, k: int, out: Path) -> tuple[list[dict], str]:
    result = spawn_population("KEN", n, out=out, model=ModelSpec(model="stub", base_url=url),
                              config=GenerationConfig(attributes=k), seed=7, concurrency=8, progress=False,
                              retry_backoff=0.01, audit=False)
    records = [json.loads(line) for line in (out / "personas.jsonl").read_text().splitlines() if line.strip()]
    failures = [json.loads(line) for line in (out / "failures.jsonl").read_text().splitlines() if line.strip()]
    stored, failed = {r["index"] for r in records}, {f["index"] for f in failures}
    lost = set(range(n)) - stored - failed
    bad = [(r["index"], path, value) for r in records for path, value in llm_values(r)
           if not set(leaves(value)) <= endpoint.sent_whole]
    short = [r["index"] for r in records if sum(a["provenance"] == "llm" for a in r["attributes"]) != k]
    print(f"population: n={n}, k={k}: personas valid {len(stored)} / failed {len(failed)} / lost {len(lost)}; "
          f"truncated or invented values {len(bad)} (of {sum(len(llm_values(r)) for r in records)} model-given "
          f"values); personas short of k {len(short)}")
    for index, path, value in bad[:5]:
        print(f"    persona {index}: {path} = {value!r}")
    return records, f"{result.summary['calls_billed']} calls reported"


def survey(endpoint: FaultyEndpoint, url: str, personas: list[Any], method: str) -> str:
    sim = SurveyModel(personas, resolve_chat_model("stub", base_url=url), items=ITEMS, structured_method=method,
                      concurrency=8, rng=3)
    sim.step()
    by_agent = {a.persona.id: a for a in sim.agents}
    valid = missing = invented = 0
    for row in sim.rows:
        if row["answer"] is None:
            missing += 1
            continue
        agent = by_agent[row["persona_id"]]
        item = sim.instrument.item(row["item"])
        sent = endpoint.answers.get(conversation_key(agent.messages(item, sim.instrument)), set())
        if row["answer"] in sent:
            valid += 1
        else:
            invented += 1
    print(f"survey ({method}): {len(sim.rows)} answers: valid {valid} / missing {missing} / invented {invented}")
    return f"{sim.usage.llm_calls} calls reported"


def main(n: int, k: int, faults: float, malformed: float, truncated: float, seed: int) -> None:
    usage_module.TRANSIENT_BACKOFF = 0.01  # our retry pauses, shortened: the stub has no rate to respect
    endpoint = FaultyEndpoint(faults, malformed, truncated, seed)
    print(f"endpoint: {faults:.0%} HTTP errors (500/429), {malformed:.0%} malformed, {truncated:.0%} truncated "
          f"(finish_reason length), the rest good")
    with StubEndpoint(endpoint) as stub, tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        records, reported = population(endpoint, stub.url, n, k, Path(tmp) / "population")
        print(f"    endpoint saw {len(stub.requests)} requests; {reported}; {time.perf_counter() - start:.1f} s")
        personas = [Persona.model_validate(r) for r in records[:12]]
        if len(personas) < 4:  # too few survived to survey: respondents from an honest fake instead
            personas = [generate_persona(country="KEN", seed=s, model=FakeChatModel(), embeddings=MiniLMEmbeddings(),
                                         config=GenerationConfig(attributes=k)) for s in range(8)]
        for method in ("json_schema", "json_mode", "function_calling"):
            before = len(stub.requests)
            reported = survey(endpoint, stub.url, personas, method)
            print(f"    endpoint saw {len(stub.requests) - before} requests; {reported}")
    print("replies sent: " + ", ".join(f"{kind} {count}" for kind, count in endpoint.kinds.items()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=40, help="personas")
    parser.add_argument("--k", type=int, default=30, help="attributes per persona")
    parser.add_argument("--faults", type=float, default=0.3, help="share of HTTP 500/429 replies")
    parser.add_argument("--malformed", type=float, default=0.3, help="share of invalid-JSON replies")
    parser.add_argument("--truncated", type=float, default=0.1, help="share of cut replies (finish_reason length)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    main(args.n, args.k, args.faults, args.malformed, args.truncated, args.seed)
