"""The shared call gate: a hard cap across threads, transient retries, structured output through it."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from pydantic import BaseModel

from deeppersona_agents.population import CallGate, CappedChatModel
from tests.fakes import FakeChatModel


def test_the_cap_holds_across_many_threads():
    gate = CallGate(3)
    live, peak, lock = [0], [0], threading.Lock()

    def call():
        with lock:
            live[0] += 1
            peak[0] = max(peak[0], live[0])
        time.sleep(0.01)
        with lock:
            live[0] -= 1
        return 1

    with ThreadPoolExecutor(16) as pool:
        assert sum(pool.map(lambda _: gate.run(call), range(48))) == 48
    assert peak[0] == gate.peak == 3
    assert gate.calls == 48 and gate.in_flight == 0


def test_transient_errors_are_retried_and_others_are_not():
    gate = CallGate(2, retries=3, backoff=0.001)
    attempts = []

    def flaky():
        attempts.append(1)
        if len(attempts) < 3:
            raise ConnectionError("dropped")
        return "ok"

    assert gate.run(flaky) == "ok"
    assert gate.transient_retries == 2
    with pytest.raises(ValueError):
        gate.run(lambda: (_ for _ in ()).throw(ValueError("bad request")))
    with pytest.raises(ConnectionError):
        gate.run(lambda: (_ for _ in ()).throw(ConnectionError("down")))
    assert gate.transient_retries == 2 + 3


def test_a_limit_below_one_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        CallGate(0)


class Mood(BaseModel):
    mood: str
    energy: int


def test_structured_output_goes_through_the_gate():
    gate = CallGate(1)
    model = CappedChatModel(FakeChatModel(), gate)
    answer = model.with_structured_output(Mood.model_json_schema(), method="json_schema").invoke("How are you?")
    assert gate.calls == 1
    assert answer is not None
    assert model.model_name == "fake-structured"
