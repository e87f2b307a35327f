from __future__ import annotations

import pytest

from tests.demographics.fixtures import write_table


@pytest.fixture
def fixture_tables(tmp_path, monkeypatch):
    """A folder holding the synthetic NZL table, active via DEEPPERSONA_DEMOGRAPHICS_DIR."""
    folder = tmp_path / "tables"
    write_table(folder)
    monkeypatch.setenv("DEEPPERSONA_DEMOGRAPHICS_DIR", str(folder))
    return folder
