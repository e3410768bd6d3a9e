"""Against a running `signage serve`: an upload's renditions are made by the server's
jobs worker, and its progress reaches a signed-in console browser over Socket.IO."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio

from tests import media_files as files
from tests.processes import demo_instance, running, signage

pytestmark = pytest.mark.slow
READY_WITHIN_S = 60  # a cold worker pool on a busy two-core machine
PASSWORD = "correct horse battery staple"


def signed_in(base: str, email: str) -> requests.Session:
    browser = requests.Session()
    form = browser.get(f"{base}/login", timeout=10).text
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
    assert csrf is not None
    answer = browser.post(
        f"{base}/login",
        data={"csrf_token": csrf.group(1), "email": email, "password": PASSWORD},
        timeout=10,
    )
    assert answer.ok
    return browser


def console_socket(base: str, browser: requests.Session | None) -> tuple[Any, list[Any]]:
    client = socketio.Client(http_session=browser) if browser else socketio.Client()
    received: list[Any] = []
    ready = threading.Event()

    @client.on("media_progress", namespace="/console")
    def progress(payload: Any) -> None:
        received.append(payload)
        if payload["status"] != "processing":
            ready.set()

    client.connect(base, namespaces=["/console"], transports=["websocket"], wait_timeout=10)
    client.ready = ready  # type: ignore[attr-defined]
    return client, received


def test_upload_progress_reaches_the_console_of_a_signed_in_editor(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    demo_instance(instance)
    email = "redaktoer@gladsaxe.dk"
    added = signage(instance, "user", "add", email, "--role", "editor", "--password", PASSWORD)
    assert added.returncode == 0, added.stderr
    token = signage(instance, "token", "add", email).stdout.strip()

    with running(instance, tmp_path, "serve") as (base, _):
        with pytest.raises(socketio.exceptions.ConnectionError):
            console_socket(base, None)  # nobody signed in: refused
        client, received = console_socket(base, signed_in(base, email))
        try:
            locations = requests.get(
                f"{base}/api/v1/locations",
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            ).json()["items"]
            root = next(loc["id"] for loc in locations if loc["parent_id"] is None)
            uploaded = requests.post(
                f"{base}/api/v1/media",
                headers={"Authorization": f"Bearer {token}"},
                files={"file": ("plakat.pdf", files.pdf(2), "application/pdf")},
                data={"location_id": str(root)},
                timeout=60,
            )
            assert uploaded.status_code == 201, uploaded.text

            assert client.ready.wait(READY_WITHIN_S), f"no progress after {READY_WITHIN_S} s"
        finally:
            client.disconnect()

    media_id = uploaded.json()["id"]
    mine = [event for event in received if event["media_id"] == media_id]
    assert mine[-1]["status"] == "ready", mine
    assert mine[-1]["ready"] == mine[-1]["total"] > 0
