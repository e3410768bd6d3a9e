"""Faults with real processes and real signals: a server SIGKILLed in the middle of an
upload or of schedule edits, `signage import` SIGKILLed mid-transaction, a full disk
during an upload, and a SQLite database locked past the busy timeout.

Nothing committed is lost, nothing is left half done, and the errors say what happened.
(PostgreSQL going away is in tests/services/test_database_outage.py.)"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from signage.backup import tables
from signage.config import Settings
from tests import media_files as files
from tests import processes
from tests.databases import ON_POSTGRES, instance_database, instance_rows, sqlite_only
from tests.factories import PASSWORD, World
from tests.faults import Answer, call, send

QUIET = {"SIGNAGE_RUN_JOBS": "0"}  # no jobs worker: only what the test does happens
DEADLINE_S = 60


@contextmanager
def served(
    instance: Path, log_dir: Path, prefix: tuple[str, ...] = (), **env: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    log_dir.mkdir(parents=True, exist_ok=True)
    started: list[subprocess.Popen[bytes]] = []
    with processes.running(
        instance, log_dir, "serve", env=QUIET | env, prefix=prefix, started=started
    ) as (base, _log):
        yield base, started[0]


def killed(process: subprocess.Popen[Any]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def device_token(base: str, world: World, display: str = "bibliotek") -> str:
    answer = call(
        base, "POST", f"/api/v1/displays/{world.displays[display]}/token", {},
        token=world.tokens["manager"],
    )  # fmt: skip
    assert answer.status in (200, 201), answer.body
    return str(answer.json()["token"])


def multipart(fields: dict[str, str], name: str, size: int, boundary: str) -> tuple[bytes, bytes]:
    """The head of a multipart body (its fields and the file part's header) and its
    tail; the file's `size` bytes go between."""
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head, f"\r\n--{boundary}--\r\n".encode()


def upload(base: str, token: str, data: bytes, name: str, location_id: int) -> Answer:
    import urllib.request

    boundary = "infotavle-test-boundary"
    head, tail = multipart({"location_id": str(location_id)}, name, len(data), boundary)
    request = urllib.request.Request(  # noqa: S310 - our own local server
        f"{base}/api/v1/media",
        data=head + data + tail,
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Accept": "application/json",
        },
    )
    return send(request)


def console_upload(base: str, data: bytes, name: str, location_id: int) -> Any:
    """An upload through the console's form, as its page sends it (htmx, signed in as
    the seeded editor)."""
    import re

    import requests

    browser = requests.Session()
    login = browser.get(f"{base}/login", timeout=30).text
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login)
    assert found
    signed_in = browser.post(
        f"{base}/login",
        data={"email": "editor@example.dk", "password": PASSWORD, "csrf_token": found.group(1)},
        allow_redirects=False,
        timeout=30,
    )
    assert signed_in.status_code == 302
    page = browser.get(f"{base}/console/media", timeout=30).text
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    assert token
    try:
        return browser.post(
            f"{base}/console/media",
            files={"file": (name, data)},
            data={"location_id": str(location_id)},
            headers={"X-CSRFToken": token.group(1), "HX-Request": "true"},
            timeout=60,
        )
    finally:
        browser.close()


def stored_files(media_dir: Path) -> set[str]:
    return {str(path.relative_to(media_dir)) for path in media_dir.rglob("*") if path.is_file()}


def table_counts(instance: Path) -> dict[str, int]:
    database = instance_database(instance)
    try:
        with database.engine.connect() as connection:
            return {
                table.name: int(
                    connection.execute(select(func.count()).select_from(table)).scalar() or 0
                )
                for table in tables()
            }
    finally:
        database.dispose()


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


# -- SIGKILL in the middle of an upload ---------------------------------------------------
def test_a_server_killed_mid_upload_keeps_what_was_stored_and_stores_nothing_half(
    settings: Settings, world: World, tmp_path: Path
) -> None:
    instance, media = settings.instance_dir, settings.media_dir
    editor = world.tokens["editor"]
    bibliotek = world.locations["bibliotek"]
    with served(instance, tmp_path / "first") as (base, process):
        kept = upload(base, editor, files.jpeg(), "kept.jpg", bibliotek)
        assert kept.status == 201, kept.body
        before_files = stored_files(media)
        # A 40 MB upload, sent slowly: the server is reading it when it is killed.
        size = 40 * 1024 * 1024
        boundary = "slow-boundary"
        head, _tail = multipart({"location_id": str(bibliotek)}, "big.mp4", size, boundary)
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            request_head = (
                "POST /api/v1/media HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {editor}\r\n"
                f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                f"Content-Length: {len(head) + size + len(_tail)}\r\n\r\n"
            ).encode()
            sock.sendall(request_head + head)
            chunk = os.urandom(1024 * 1024)
            for _ in range(12):  # 12 of the 40 MB: sendall waits while the server reads
                sock.sendall(chunk)
            killed(process)
    # What an upload killed while being stored leaves behind, from an earlier crash:
    incoming = media / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    stale_upload = incoming / "upload-crashed"
    stale_upload.write_bytes(b"half a video")
    age(stale_upload, 24 * 3600)
    stale_store = next((media / "originals").iterdir()) / ".incoming-crashed"
    stale_store.write_bytes(b"half an original")
    age(stale_store, 24 * 3600)
    in_flight = incoming / "upload-in-flight"  # young: may be another process's upload
    in_flight.write_bytes(b"being received")

    with served(instance, tmp_path / "second") as (base, _process):
        listed = call(base, "GET", "/api/v1/media", token=editor)
        assert listed.status == 200
        assert [item["filename"] for item in listed.json()["items"]] == ["kept.jpg"]
        original = call(base, "GET", f"/api/v1/media/{kept.json()['id']}", token=editor)
        assert original.status == 200
    assert not stale_upload.exists()
    assert not stale_store.exists()
    assert in_flight.exists()
    assert stored_files(media) - {"incoming/upload-in-flight"} == before_files
    rows = instance_rows(instance, "SELECT COUNT(*) FROM media")
    assert rows == [(1,)]


# -- SIGKILL in the middle of schedule edits ----------------------------------------------
def test_a_server_killed_during_schedule_edits_loses_no_acknowledged_edit(
    settings: Settings, world: World, tmp_path: Path
) -> None:
    instance = settings.instance_dir
    manager = world.tokens["manager"]
    with served(instance, tmp_path / "first") as (base, process):
        playlist = call(base, "POST", "/api/v1/playlists", {
            "slug": "bib", "name": "Bib", "location_id": world.locations["bibliotek"],
        }, token=manager)  # fmt: skip
        assert playlist.status == 201, playlist.body
        created = call(base, "POST", "/api/v1/schedules", {
            "playlist_id": playlist.json()["id"],
            "target": {"location_id": world.locations["bibliotek"]},
            "weight": 1,
        }, token=manager)  # fmt: skip
        assert created.status == 201, created.body
        schedule_id = created.json()["id"]
        acknowledged: list[int] = []
        enough = threading.Event()

        def edit() -> None:
            edit_number = 0
            while True:
                edit_number += 1
                weight = edit_number % 10 + 1  # never the weight before
                try:
                    answer = call(
                        base, "PATCH", f"/api/v1/schedules/{schedule_id}", {"weight": weight},
                        token=manager,
                    )  # fmt: skip
                except (OSError, http.client.HTTPException):
                    return  # the server is gone
                if answer.status != 200:
                    return
                acknowledged.append(weight)
                if len(acknowledged) >= 25:
                    enough.set()

        editor = threading.Thread(target=edit)
        editor.start()
        assert enough.wait(DEADLINE_S), "the edits did not get going"
        killed(process)
        editor.join(DEADLINE_S)
    committed = instance_rows(
        instance,
        "SELECT details FROM audit_events WHERE action = 'schedule.update' AND entity_id = :id "
        "ORDER BY id",
        id=schedule_id,
    )
    stored = instance_rows(instance, "SELECT weight FROM schedules WHERE id = :id", id=schedule_id)
    # Every acknowledged edit is there; at most the one in flight besides, whole.
    assert len(committed) in (len(acknowledged), len(acknowledged) + 1)
    assert stored == [((len(committed)) % 10 + 1,)]
    with served(instance, tmp_path / "second") as (base, _process):
        again = call(base, "GET", f"/api/v1/schedules/{schedule_id}", token=manager)
        assert again.status == 200
        assert again.json()["weight"] == stored[0][0]


# -- SIGKILL in the middle of an import ---------------------------------------------------
def big_content(folder: Path, displays: int) -> Path:
    (folder / "displays").mkdir(parents=True)
    (folder / "playlists").mkdir()
    lines = ["location: {slug: storby, name: Storby, public: false}", "displays:"]
    for number in range(displays):
        lines += [
            f"  - name: Skærm {number:05d}",
            "    orientation: landscape",
            "    resolution: [1920, 1080]",
            "    tags: [personale]",
        ]
    (folder / "displays" / "storby.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def writer_at_work(instance: Path) -> bool:
    """Whether another process holds an open write transaction on the database."""
    if ON_POSTGRES:
        return bool(
            instance_rows(
                instance,
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()",
            )[0][0]
        )
    probe = sqlite3.connect(instance / "signage.db", timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True  # locked: a writer is in its transaction
    finally:
        probe.close()


def test_an_import_killed_mid_transaction_leaves_all_or_nothing(
    settings: Settings, world: World, tmp_path: Path
) -> None:
    instance = settings.instance_dir
    content = big_content(tmp_path / "content", displays=4000)
    before = table_counts(instance)
    with served(instance, tmp_path / "server") as (base, _process):
        importing = subprocess.Popen(
            [processes.SIGNAGE, "import", str(content)],
            env=processes.environment(instance),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + DEADLINE_S
        while not writer_at_work(instance):
            assert importing.poll() is None, "the import ended before it was seen writing"
            assert time.monotonic() < deadline, "the import never started writing"
            time.sleep(0.02)
        killed(importing)
        after_kill = table_counts(instance)
        # The server goes on serving, reading and writing.
        assert call(base, "GET", "/readyz").status == 200
        listed = call(base, "GET", "/api/v1/displays?limit=5", token=world.tokens["admin"])
        assert listed.status == 200
        assert call(base, "GET", "/api/v1/locations", token=world.tokens["admin"]).status == 200
    finished = processes.signage(instance, "import", str(content))
    assert finished.returncode == 0, finished.stderr
    after = table_counts(instance)
    assert after["displays"] == before["displays"] + 4000
    assert after_kill in (before, after)


# -- A full disk during an upload ---------------------------------------------------------
def can_mount_tmpfs(folder: Path) -> str | None:
    """None when this process may mount a tmpfs in a mount namespace of its own, else
    why not."""
    if shutil.which("unshare") is None:
        return "unshare (util-linux) is not installed"
    tried = subprocess.run(
        ["unshare", "--mount", "sh", "-c", f"mount -t tmpfs -o size=1m tmpfs '{folder}'"],
        capture_output=True,
        text=True,
        check=False,
    )
    if tried.returncode != 0:
        return f"cannot mount a small tmpfs here (needs root): {tried.stderr.strip()}"
    return None


DISK_BYTES = 4 * 1024 * 1024


@pytest.mark.parametrize("fullness", ["tmpfs", "file-size-limit"])
def test_a_full_disk_during_upload_gives_a_clear_error_and_stores_nothing(
    settings: Settings, world: World, tmp_path: Path, fullness: str
) -> None:
    """The media folder on a 4 MB file system (or, without root, a 4 MB file size
    limit: EFBIG instead of ENOSPC), and an upload of 6 MB."""
    instance, media = settings.instance_dir, settings.media_dir
    media.mkdir(parents=True, exist_ok=True)
    if fullness == "tmpfs":
        why_not = can_mount_tmpfs(media)
        if why_not:
            pytest.skip(why_not)
        script = f'mount -t tmpfs -o size={DISK_BYTES} tmpfs "$0" && exec "$@"'
        prefix: tuple[str, ...] = ("unshare", "--mount", "sh", "-c", script, str(media))
    else:
        if shutil.which("prlimit") is None:
            pytest.skip("prlimit (util-linux) is not installed")
        prefix = ("prlimit", f"--fsize={DISK_BYTES}")
    editor = world.tokens["editor"]
    with served(instance, tmp_path / "server", prefix) as (base, process):
        # The server's own view of its media folder (its tmpfs lives in its namespace).
        seen = Path(f"/proc/{process.pid}/root") / media.relative_to("/")
        big = os.urandom(6 * 1024 * 1024)
        refused = upload(base, editor, big, "for-stor.jpg", world.locations["bibliotek"])
        assert refused.status == 507, refused.body
        error = refused.json()["error"]
        assert error["code"] == "storage_full"
        assert "storage is full" in error["message"]
        assert "nothing was stored" in error["message"]
        listed = call(base, "GET", "/api/v1/media", token=editor)
        assert listed.json()["items"] == []
        assert stored_files(seen) == set()
        # The console's upload form (htmx) gets the same refusal as a sentence to show.
        console = console_upload(base, big, "for-stor.jpg", world.locations["bibliotek"])
        assert console.status_code == 507
        assert "Serverens lager er fuldt" in console.text
        assert stored_files(seen) == set()
        # Nothing half-stored holds the space: a file that fits is taken.
        fits = upload(base, editor, files.jpeg(), "lille.jpg", world.locations["bibliotek"])
        assert fits.status == 201, fits.body
        assert len(stored_files(seen)) == 1


# -- A SQLite database locked past the busy timeout ---------------------------------------
@sqlite_only
def test_a_locked_database_gives_kiosks_503_with_retry_after_never_a_logout(
    settings: Settings, world: World, tmp_path: Path
) -> None:
    instance = settings.instance_dir
    with served(instance, tmp_path / "before") as (base, _process):
        token = device_token(base, world)
        assert call(base, "GET", "/player/api/manifest", token=token).status == 200
    # Exclusive locking in WAL mode shuts every other connection out, readers too (a
    # connection already open keeps its way in, so the server starts while it is held).
    holder = sqlite3.connect(instance / "signage.db", isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("UPDATE locations SET name = name")
        with served(instance, tmp_path / "locked") as (base, _process):
            beat = {"version": "abc", "slide": 7, "player_version": "p1"}
            kiosk_calls: list[tuple[str, str, Any]] = [
                ("GET", "/player/api/manifest", None),
                ("POST", "/player/api/heartbeat", beat),
                ("POST", "/player/api/plays", []),
            ]
            with ThreadPoolExecutor(len(kiosk_calls)) as pool:
                answers = list(
                    pool.map(lambda c: call(base, c[0], c[1], c[2], token=token), kiosk_calls)
                )
            for answer in answers:
                assert answer.status == 503, answer.body
                assert int(answer.headers["Retry-After"]) > 0
                assert answer.json()["error"]["code"] == "database_unavailable"
            holder.close()  # the database is back
            # The same token plays on: nothing was revoked, nobody was logged out.
            again = call(base, "GET", "/player/api/manifest", token=token)
            assert again.status == 200
            assert call(base, "GET", "/readyz").status == 200
    finally:
        holder.close()
    assert instance_rows(instance, "SELECT COUNT(*) FROM revoked_tokens") == [(0,)]


@sqlite_only
def test_a_console_page_while_the_database_is_locked_says_so_and_keeps_the_session(
    settings: Settings, world: World
) -> None:
    from signage.app import create_app
    from tests.integration.test_security_headers import sign_in

    signed_in = create_app(settings)
    client = signed_in.test_client()
    sign_in(client)
    signed_in.extensions["signage.db"].dispose()
    # A second process of the same deployment, whose connections open after the lock.
    other = create_app(settings)
    other_client = other.test_client()
    cookie = client.get_cookie("session")  # the browser's cookie, sent to either process
    assert cookie is not None
    other_client.set_cookie("session", cookie.value)
    holder = sqlite3.connect(settings.instance_dir / "signage.db", isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("UPDATE locations SET name = name")
        page = other_client.get("/console")
    finally:
        holder.close()
    assert page.status_code == 503
    assert int(page.headers["Retry-After"]) > 0
    assert "Databasen svarer ikke lige nu" in page.get_data(as_text=True)
    again = other_client.get("/console")
    assert again.status_code == 200  # still signed in
    other.extensions["signage.db"].dispose()


@sqlite_only
def test_a_database_without_its_tables_is_an_error_not_an_outage(tmp_path: Path) -> None:
    """Only a database that does not answer is a 503 to come back after; one that
    answers with a mistake (never migrated) is a 500 that is logged."""
    from signage.app import create_app
    from tests.conftest import make_settings

    instance = tmp_path / "unmigrated"
    app = create_app(make_settings(instance, f"sqlite:///{instance / 'empty.db'}"))
    try:
        answer = app.test_client().get(
            "/player/api/manifest", headers={"Authorization": "Bearer some-token"}
        )
    finally:
        app.extensions["signage.db"].dispose()
    assert answer.status_code == 500
    assert "Retry-After" not in answer.headers
