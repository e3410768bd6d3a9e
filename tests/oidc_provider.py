"""A real OpenID Connect provider (`oidc-provider` from npm, tests/oidc/provider.js) run
with the machine's Node.js, and a staff member's side of signing in at it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import requests

from tests.processes import free_port

PROVIDER_DIR = Path(__file__).parent / "oidc"
CLIENT_ID = "infotavle"
CLIENT_SECRET = "infotavle-test-secret"
START_TIMEOUT_S = 30
START_ATTEMPTS = 2


def node_or_skip() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip(
            "Node.js is not installed: the OpenID Connect provider for these tests runs on it"
        )
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("tests/oidc/node_modules is missing: run `make install`")
    return node


@dataclass
class Provider:
    """The provider process; its accounts live in a control file read at every sign-in."""

    control: Path
    log: Path
    app_base: str
    port: int = field(default_factory=free_port)
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    tamper: bool = False
    process: subprocess.Popen[bytes] | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write(self) -> None:
        self.control.write_text(
            json.dumps(
                {
                    "redirect_uri": f"{self.app_base}/login/sso/callback",
                    "post_logout_redirect_uri": f"{self.app_base}/login",
                    "accounts": self.accounts,
                    "tamper": self.tamper,
                }
            )
        )

    def set_account(self, account_id: str, email: str, groups: list[str]) -> None:
        self.accounts[account_id] = {"email": email, "name": account_id.title(), "groups": groups}
        self.write()

    def set_tamper(self, tamper: bool) -> None:
        self.tamper = tamper
        self.write()

    def start(self, node: str) -> None:
        """Start the provider and wait until it answers. A start that hangs (seen once on
        a stalled CI host: the process alive, never listening) is killed and tried again."""
        for _ in range(START_ATTEMPTS):
            self.write()
            with self.log.open("ab") as log:
                self.process = subprocess.Popen(
                    [node, "provider.js", str(self.port), str(self.control)],
                    cwd=PROVIDER_DIR,
                    stdout=log,
                    stderr=log,
                )
            if self._answers_within(START_TIMEOUT_S):
                return
            self.process.kill()
            self.process.wait()
        raise RuntimeError(f"the provider did not start: {self.log.read_text()}")

    def ensure_running(self, node: str) -> None:
        """Start it again if a test before left it stopped."""
        if self.process is None or self.process.poll() is not None:
            self.start(node)

    def _answers_within(self, seconds: float) -> bool:
        assert self.process is not None
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the provider stopped: {self.log.read_text()}")
            try:
                requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=1)
                return True
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)
        return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*method="post"', re.IGNORECASE)


def sign_in_at_provider(authorize_url: str, account_id: str, app_base: str) -> str:
    """Follow the authorize redirect as a browser would, fill in the provider's sign-in
    form and return the address it sends the browser back to (the app's callback)."""
    browser = requests.Session()
    response = browser.get(authorize_url, timeout=10)
    response.raise_for_status()
    found = FORM.search(response.text)
    assert found, response.text
    action = urljoin(response.url, unescape(found.group(1)))
    response = browser.post(
        action,
        data={"prompt": "login", "login": account_id, "password": "any"},
        allow_redirects=False,
        timeout=10,
    )
    for _hop in range(10):
        target = urljoin(response.url, response.headers["Location"])
        if target.startswith(app_base):
            return target
        response = browser.get(target, allow_redirects=False, timeout=10)
    raise AssertionError("the provider never sent the browser back")
