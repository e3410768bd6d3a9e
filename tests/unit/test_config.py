"""Settings for a scaled deployment: the Redis prefix, jobs off with Redis, and one
secret key for processes that start at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from signage.config import ConfigError, Settings, load_or_create_secret


def settings(tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env({"SIGNAGE_INSTANCE_DIR": str(tmp_path), **env})


def test_redis_turns_the_jobs_off_in_web_processes_unless_asked(tmp_path: Path) -> None:
    assert settings(tmp_path).run_jobs
    redis = {"SIGNAGE_REDIS_URL": "redis://127.0.0.1:6379/0"}
    assert not settings(tmp_path, **redis).run_jobs
    assert settings(tmp_path, SIGNAGE_RUN_JOBS="1", **redis).run_jobs


def test_the_redis_prefix_names_keys_and_is_checked(tmp_path: Path) -> None:
    assert settings(tmp_path).redis_prefix == "signage"
    assert settings(tmp_path, SIGNAGE_REDIS_PREFIX="gladsaxe-prod").redis_prefix == (
        "gladsaxe-prod"
    )
    with pytest.raises(ConfigError, match="SIGNAGE_REDIS_PREFIX"):
        settings(tmp_path, SIGNAGE_REDIS_PREFIX="a b*")


def test_processes_starting_at_once_share_one_whole_secret_key(tmp_path: Path) -> None:
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: load_or_create_secret(tmp_path), range(32)))
    assert len(keys) == 1
    (key,) = keys
    assert len(key) == 64
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_secure_cookies_are_a_yes_or_no_setting(tmp_path: Path) -> None:
    assert not settings(tmp_path).secure_cookies  # Secure then follows the request's scheme
    assert settings(tmp_path, SIGNAGE_SECURE_COOKIES="1").secure_cookies
    assert not settings(tmp_path, SIGNAGE_SECURE_COOKIES="no").secure_cookies
    with pytest.raises(ConfigError, match="SIGNAGE_SECURE_COOKIES"):
        settings(tmp_path, SIGNAGE_SECURE_COOKIES="sometimes")
