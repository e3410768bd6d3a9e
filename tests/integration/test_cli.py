"""The real `signage` console script, run as a subprocess against an instance folder."""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import inspect, select

from signage.accounts.models import User
from signage.accounts.services import authenticate
from signage.config import Settings
from signage.db import Database
from signage.screens.models import Location
from tests.databases import instance_database, instance_rows
from tests.factories import World
from tests.processes import PASSWORD, REPO, running, signage


@pytest.fixture
def instance(settings: Settings) -> Path:
    """The instance folder of the `settings` fixture: a migrated, empty database."""
    return settings.instance_dir


def bearer(client: FlaskClient, token: str) -> Any:
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


# -- db upgrade, import, export -----------------------------------------------------------
def test_db_upgrade_creates_the_database_and_import_then_export_round_trips(
    tmp_path: Path,
) -> None:
    instance = tmp_path / "instance"

    upgraded = signage(instance, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    migrated = instance_database(instance)  # SQLite: the file in the instance folder
    try:
        assert "slides" in inspect(migrated.engine).get_table_names()
    finally:
        migrated.dispose()

    imported = signage(instance, "import", str(REPO))
    assert imported.returncode == 0, imported.stderr
    assert (
        "created 6 display, 3 group, 8 location, 6 playlist, 8 schedule, 18 slide"
        in imported.stdout
    )

    exported = signage(instance, "export", str(tmp_path / "first"))
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.strip() == f"exported 14 files to {tmp_path / 'first'}"

    again = signage(instance, "import", str(tmp_path / "first"))
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().endswith("nothing changed")

    signage(instance, "export", str(tmp_path / "second"))
    first = {
        p.relative_to(tmp_path / "first"): p.read_bytes()
        for p in (tmp_path / "first").rglob("*.yaml")
    }
    second = {
        p.relative_to(tmp_path / "second"): p.read_bytes()
        for p in (tmp_path / "second").rglob("*.yaml")
    }
    assert len(first) == 14
    assert first == second


def test_importing_a_bad_folder_exits_non_zero_naming_file_and_line(
    instance: Path,
    tmp_path: Path,
) -> None:
    bad = tmp_path / "content" / "displays" / "zz.yaml"
    bad.parent.mkdir(parents=True)
    bad.write_text("location: {slug: zz, name: Z}\ngroups:\n  - {slug: g, name: G, colour: red}\n")

    result = signage(instance, "import", str(tmp_path / "content"))

    assert result.returncode != 0
    assert "nothing was imported" in result.stderr
    assert f"{bad}:3: group has unknown key(s) colour" in result.stderr
    assert "Traceback" not in result.stderr
    database = instance_database(instance)
    try:
        with database.transaction() as session:
            assert session.scalar(select(Location.id)) is None  # zz was rolled back
    finally:
        database.dispose()


# -- users and tokens ---------------------------------------------------------------------
def test_user_add_creates_a_user_with_a_grant_who_can_sign_in_and_use_a_token(
    instance: Path,
    world: World,
    database: Database,
    client: FlaskClient,
) -> None:
    added = signage(
        instance,
        "user",
        "add",
        "Ny@Example.dk",
        "--role",
        "editor",
        "--location",
        "bibliotek",
        "--password",
        PASSWORD,
    )
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "created ny@example.dk (editor)"
    with database.transaction() as session:
        assert authenticate(session, "ny@example.dk", PASSWORD) is not None
        assert authenticate(session, "ny@example.dk", "wrong password!") is None

    issued = signage(instance, "token", "add", "ny@example.dk")
    assert issued.returncode == 0, issued.stderr
    lines = issued.stdout.splitlines()
    assert len(lines) == 1

    me = bearer(client, lines[0])
    assert me.status_code == 200
    assert me.get_json()["label"] == "ny@example.dk"
    assert me.get_json()["grants"] == [
        {"role": "editor", "location_id": world.locations["bibliotek"]}
    ]


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        pytest.param(["--role", "janitor"], "unknown role 'janitor'", id="bad-role"),
        pytest.param(
            ["--role", "editor", "--location", "atlantis"],
            "unknown location 'atlantis'",
            id="unknown-location",
        ),
        pytest.param(
            ["--role", "editor", "--password", "short"],
            "password: String should have at least 10 characters",
            id="short-password",
        ),
        pytest.param(
            ["--role", "editor", "--password", "x" * 12, "--email", "x"],
            "No such option",
            id="unknown-option",
        ),
    ],
)
def test_user_add_refuses_bad_input_with_a_clear_error(
    instance: Path,
    world: World,
    database: Database,
    args: list[str],
    reason: str,
) -> None:
    arguments = args if "--password" in args else [*args, "--password", PASSWORD]

    result = signage(instance, "user", "add", "ny@example.dk", *arguments)

    assert result.returncode != 0
    assert reason in result.stderr
    assert "Traceback" not in result.stderr
    with database.transaction() as session:
        assert session.scalar(select(User).where(User.email == "ny@example.dk")) is None


def test_user_add_refuses_an_email_that_is_taken(instance: Path, world: World) -> None:
    result = signage(
        instance, "user", "add", "editor@example.dk", "--role", "viewer", "--password", PASSWORD
    )

    assert result.returncode != 0
    assert "already exists" in result.stderr


def test_token_add_prints_one_token_that_authenticates_as_the_user(
    instance: Path,
    world: World,
    client: FlaskClient,
) -> None:
    result = signage(instance, "token", "add", "manager@example.dk", "--name", "skærm-script")

    assert result.returncode == 0, result.stderr
    (token,) = result.stdout.splitlines()
    me = bearer(client, token)
    assert me.status_code == 200
    assert me.get_json()["user_id"] == world.users["manager"]
    assert me.get_json()["scope"] is None
    assert bearer(client, token + "x").status_code == 401


def test_token_add_with_a_scope_gives_a_narrow_token(
    instance: Path,
    world: World,
    client: FlaskClient,
) -> None:
    result = signage(instance, "token", "add", "admin@example.dk", "--scope", "cap:ingest")

    assert result.returncode == 0, result.stderr
    (token,) = result.stdout.splitlines()
    me = bearer(client, token)
    assert me.status_code == 200
    assert (me.get_json()["scope"], me.get_json()["grants"]) == ("cap:ingest", [])


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        pytest.param(
            ["admin@example.dk", "--scope", "root:everything"],
            "unknown scope 'root:everything'",
            id="unknown-scope",
        ),
        pytest.param(
            ["nobody@example.dk"], "no user with email 'nobody@example.dk'", id="unknown-user"
        ),
    ],
)
def test_token_add_refuses_an_unknown_scope_or_user(
    instance: Path,
    world: World,
    args: list[str],
    reason: str,
) -> None:
    result = signage(instance, "token", "add", *args)

    assert result.returncode != 0
    assert reason in result.stderr
    assert result.stdout == ""


def test_token_list_shows_tokens_without_secrets_and_revoke_stops_just_that_one(
    instance: Path,
    world: World,
    client: FlaskClient,
) -> None:
    kept = signage(instance, "token", "add", "manager@example.dk", "--name", "intranet")
    leaked = signage(instance, "token", "add", "manager@example.dk", "--name", "gammelt script")
    kept_token, leaked_token = kept.stdout.strip(), leaked.stdout.strip()
    assert bearer(client, leaked_token).status_code == 200  # used once: the list says so

    listed = signage(instance, "token", "list", "Manager@example.dk")
    assert listed.returncode == 0, listed.stderr
    every = [line.split("\t") for line in listed.stdout.splitlines()]
    assert {row[1] for row in every} == {"manager@example.dk"}
    # The world's own token for this user comes first, then these two, oldest first.
    rows = every[-2:]
    assert [(row[1], row[2], row[3]) for row in rows] == [
        ("manager@example.dk", "intranet", "grants"),
        ("manager@example.dk", "gammelt script", "grants"),
    ]
    assert rows[0][5] == "unused"
    assert rows[1][5].startswith("used ")
    assert kept_token not in listed.stdout
    assert leaked_token not in listed.stdout
    leaked_id = rows[1][0]

    revoked = signage(instance, "token", "revoke", leaked_id)
    assert revoked.returncode == 0, revoked.stderr
    assert revoked.stdout.strip() == f"revoked API token {leaked_id} of manager@example.dk"
    assert bearer(client, leaked_token).status_code == 401
    assert bearer(client, kept_token).status_code == 200
    again = signage(instance, "token", "list", "manager@example.dk")
    assert again.stdout.splitlines()[-1].split("\t")[6].startswith("revoked ")
    assert again.stdout.splitlines()[-2].split("\t")[6] == "valid"

    twice = signage(instance, "token", "revoke", leaked_id)
    assert twice.returncode != 0
    assert f"API token {leaked_id} was revoked at" in twice.stderr
    unknown = signage(instance, "token", "revoke", "999999")
    assert unknown.returncode != 0
    assert "there is no API token 999999" in unknown.stderr
    assert signage(instance, "token", "list", "nobody@example.dk").stdout.strip() == (
        "no API tokens"
    )

    logged = instance_rows(
        instance,
        "SELECT action, entity_id FROM audit_events WHERE entity_kind = 'api_token'",
    )
    assert ("api_token.revoke", int(leaked_id)) in logged
    assert ("api_token.create", int(leaked_id)) in logged


# -- serving ------------------------------------------------------------------------------
def test_serve_answers_health_checks_over_http(instance: Path, tmp_path: Path) -> None:
    with running(instance, tmp_path, "serve") as (base, stdout):
        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:  # noqa: S310 - our own local server
            assert response.status == 200
        assert f"serving on {base}/" in stdout.read_text()


def test_demo_prints_a_console_url_and_a_login_that_works(tmp_path: Path) -> None:
    instance = tmp_path / "fresh-instance"

    with running(instance, tmp_path, "demo") as (base, stdout):
        output = stdout.read_text()
        assert f"console: {base}/console" in output
        found = re.search(r"^login:\s+(\S+) / (\S+)$", output, re.MULTILINE)
        assert found is not None, output
        email, password = found.groups()

        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        with browser.open(f"{base}/login", timeout=10) as page:
            form = page.read().decode()
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
        assert csrf is not None, form
        body = urllib.parse.urlencode(
            {"csrf_token": csrf.group(1), "email": email, "password": password}
        ).encode()
        with browser.open(f"{base}/login", data=body, timeout=10) as signed_in:
            assert signed_in.status == 200
            assert signed_in.url == f"{base}/console"
        with browser.open(f"{base}/console", timeout=10) as console:
            assert console.status == 200

        kiosk = re.search(r"^kiosk:\s+\S+/player\?token=(\S+)", output, re.MULTILINE)
        assert kiosk is not None, output
        request = urllib.request.Request(  # noqa: S310 - our own local server
            f"{base}/player/api/manifest", headers={"Authorization": f"Bearer {kiosk.group(1)}"}
        )
        with urllib.request.urlopen(request, timeout=10) as manifest:  # noqa: S310 - our own local server
            assert json.load(manifest)["display"] > 0
