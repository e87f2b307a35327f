from __future__ import annotations

import pytest

from tests.demographics.fixtures import write_table


@pytest.fixture
def fixture_tables(tmp_path):
    """A folder holding the synthetic NZL table (pass it as ``tables_dir``)."""
    folder = tmp_path / "tables"
    write_table(folder)
    return folder
