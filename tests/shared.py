"""The shared test material outside the project (real CAP alerts and their sources), read
in place: `SIGNAGE_SHARED_FIXTURES` names the folder, else the first `shared/fixtures`
beside the project or a folder above it. Tests that need it skip when it is absent; it
is never copied into the project."""

from __future__ import annotations

import os
from pathlib import Path


def shared_fixtures() -> Path | None:
    named = os.environ.get("SIGNAGE_SHARED_FIXTURES")
    if named:
        return Path(named)
    for folder in Path(__file__).resolve().parents[1:]:
        if (folder / "shared" / "fixtures").is_dir():
            return folder / "shared" / "fixtures"
    return None


FIXTURES = shared_fixtures()
CAP_CORPUS = FIXTURES / "cap" if FIXTURES else Path("shared fixtures not found")
NO_CAP_CORPUS = (
    f"no CAP corpus at {CAP_CORPUS}"
    if FIXTURES
    else "no shared/fixtures folder above the project (set SIGNAGE_SHARED_FIXTURES)"
)
