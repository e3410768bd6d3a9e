"""Running the real `signage` command in subprocesses, for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.databases import DATABASES

REPO = Path(__file__).resolve().parents[1]
SIGNAGE = str(Path(sys.executable).with_name("signage"))
READY_TIMEOUT_S = 30
PASSWORD = "correct horse battery staple"


def environment(instance: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNAGE_")}
    env["SIGNAGE_INSTANCE_DIR"] = str(instance)
    env.update(DATABASES.environment(instance))
    return {**env, **(extra or {})}


def signage(instance: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SIGNAGE, *args],
        env=environment(instance),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def demo_instance(instance: Path) -> None:
    """A migrated instance holding the demo content (displays/ and playlists/)."""
    upgraded = signage(instance, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    imported = signage(instance, "import", str(REPO))
    assert imported.returncode == 0, imported.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running(
    instance: Path,
    log_dir: Path,
    *args: str,
    env: dict[str, str] | None = None,
    prefix: Sequence[str] = (),
    started: list[subprocess.Popen[bytes]] | None = None,
) -> Iterator[tuple[str, Path]]:
    """Start a serving command (with `env` added to its settings; run through `prefix`,
    such as `prlimit …`, when given), wait until /healthz answers, stop it afterwards.
    The process is appended to `started` for a test that signals it itself.

    Output goes to files, never to a pipe nobody reads while the server runs."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    stdout, stderr = log_dir / "stdout.txt", log_dir / "stderr.txt"
    with stdout.open("w") as out, stderr.open("w") as err:
        process = subprocess.Popen(
            [*prefix, SIGNAGE, *args, "--bind", f"127.0.0.1:{port}"],
            env=environment(instance, env),
            stdout=out,
            stderr=err,
        )
    if started is not None:
        started.append(process)
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"{args[0]} exited with {process.returncode}: {stderr.read_text()}")
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310 - our own local server
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"{args[0]} did not answer /healthz within {READY_TIMEOUT_S} s: "
                    f"{stderr.read_text()}"
                )
            time.sleep(0.1)
        yield base, stdout
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
