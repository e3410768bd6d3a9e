"""`signage import` run beside a live server reaches its screens within seconds."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select

from signage.accounts.services import system_principal
from signage.scheduling.models import JobRun, Manifest
from signage.screens.models import Display, Location
from signage.screens.services import DisplayService
from tests.databases import instance_database
from tests.processes import REPO, SIGNAGE, demo_instance, environment, running, signage

pytestmark = pytest.mark.slow
REACH_WITHIN_S = 10
STARTUP_WITHIN_S = 30  # a cold interpreter on a busy two-core machine


def manifest_version(base: str, token: str) -> str | None:
    request = urllib.request.Request(  # noqa: S310 - our own local server
        f"{base}/player/api/manifest", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - our own local server
            return json.load(response)["version"]  # type: ignore[no-any-return]
    except OSError:
        return None


def test_an_import_beside_a_running_server_reaches_the_kiosk(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    content = tmp_path / "content"
    shutil.copytree(REPO / "displays", content / "displays")
    shutil.copytree(REPO / "playlists", content / "playlists")
    assert signage(instance, "db", "upgrade").returncode == 0
    assert signage(instance, "import", str(content)).returncode == 0
    database = instance_database(instance)
    with database.transaction() as session:
        foyer = session.scalar(
            select(Display)
            .join(Location)
            .where(Location.slug == "raadhuset", Display.name == "Foyer")
        )
        assert foyer is not None
        token = DisplayService().issue_token(session, system_principal(session), foyer)
    database.dispose()

    with running(instance, tmp_path, "serve") as (base, _):
        deadline = time.monotonic() + REACH_WITHIN_S
        before = manifest_version(base, token)
        while before is None and time.monotonic() < deadline:
            time.sleep(0.2)
            before = manifest_version(base, token)
        assert before is not None

        playlist = content / "playlists" / "velkommen.yaml"
        text = playlist.read_text()
        assert "Borgerservice" in text
        playlist.write_text(text.replace("Borgerservice", "Borgerservicen", 1))
        imported = signage(instance, "import", str(content))
        assert imported.returncode == 0, imported.stderr
        assert "updated" in imported.stdout

        started = time.monotonic()
        after = before
        while after == before and time.monotonic() - started < REACH_WITHIN_S:
            time.sleep(0.2)
            after = manifest_version(base, token) or before
        assert after != before, f"the kiosk still had {before} after {REACH_WITHIN_S} s"


def test_signage_scheduler_alone_builds_the_manifests(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    demo_instance(instance)
    env = environment(instance)
    with (tmp_path / "out.txt").open("w") as out:
        process = subprocess.Popen([SIGNAGE, "scheduler"], env=env, stdout=out, stderr=out)
    database = instance_database(instance)
    try:
        deadline = time.monotonic() + STARTUP_WITHIN_S
        built = 0
        while built < 6 and time.monotonic() < deadline:
            time.sleep(0.2)
            with database.sessions() as session:
                built = session.scalar(select(func.count()).select_from(Manifest)) or 0
        assert built == 6, (tmp_path / "out.txt").read_text()
        with database.sessions() as session:
            assert session.get(JobRun, "propagate") is not None
    finally:
        process.terminate()
        process.wait(timeout=10)
        database.dispose()
