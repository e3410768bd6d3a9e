"""The change log is written by every process, not only by the ones that migrated."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from signage.db import Database
from signage.migrate import upgrade
from tests.databases import DATABASES

REPO = Path(__file__).resolve().parents[2]

WRITER = """
import sys
from sqlalchemy import func, select
from signage.db import Database
from signage.scheduling.models import Change
from signage.screens.models import Location
database = Database(sys.argv[1])
with database.transaction() as session:
    session.add(Location(slug="kommune", name="Kommune"))
with database.sessions() as session:
    print(session.scalar(select(func.count()).select_from(Change)))
"""


def test_a_process_that_only_opens_the_database_still_appends_changes(tmp_path: Path) -> None:
    url = DATABASES.url(tmp_path)
    migrating = Database(url)
    upgrade(migrating.engine)
    migrating.dispose()
    result = subprocess.run(
        [sys.executable, "-c", WRITER, url], check=True, cwd=REPO, capture_output=True, text=True
    )
    assert result.stdout.strip() == "1"
