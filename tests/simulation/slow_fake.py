"""Chat-model factories for survey CLI tests (``--factory tests.simulation.slow_fake:slow``)."""

from __future__ import annotations

from tests.fakes import FakeChatModel


def slow() -> FakeChatModel:
    """The fake with 20 ms per call, so a run can be killed mid-way."""
    return FakeChatModel(latency=0.02)
