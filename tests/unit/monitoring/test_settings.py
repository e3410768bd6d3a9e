"""The operations settings: SMTP for offline notices, the notice threshold, the log
format; a value the server cannot run with stops it with the setting's name."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from signage.config import ConfigError, Settings, SmtpSettings
from signage.monitoring.logs import formatter


def test_no_smtp_host_means_console_notices_only() -> None:
    assert SmtpSettings.from_env({}) is None


@pytest.mark.parametrize(
    ("security", "port"), [(None, 587), ("starttls", 587), ("ssl", 465), ("NONE", 25)]
)
def test_the_port_follows_the_security_unless_given(security: str | None, port: int) -> None:
    env = {"SIGNAGE_SMTP_HOST": "smtp.kommune.dk", "SIGNAGE_SMTP_FROM": "skaerme@kommune.dk"}
    if security:
        env["SIGNAGE_SMTP_SECURITY"] = security
    smtp = SmtpSettings.from_env(env)
    assert smtp is not None
    assert smtp.port == port
    assert SmtpSettings.from_env({**env, "SIGNAGE_SMTP_PORT": "2525"}).port == 2525  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({}, "SIGNAGE_SMTP_FROM"),
        ({"SIGNAGE_SMTP_FROM": "not-an-address"}, "SIGNAGE_SMTP_FROM"),
        ({"SIGNAGE_SMTP_FROM": "a@b.dk", "SIGNAGE_SMTP_SECURITY": "tls"}, "SIGNAGE_SMTP_SECURITY"),
        ({"SIGNAGE_SMTP_FROM": "a@b.dk", "SIGNAGE_SMTP_PORT": "smtp"}, "SIGNAGE_SMTP_PORT"),
    ],
)
def test_bad_smtp_settings_are_refused_by_name(extra: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        SmtpSettings.from_env({"SIGNAGE_SMTP_HOST": "smtp.kommune.dk", **extra})


def test_the_operations_settings_are_read_from_the_environment(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "SIGNAGE_INSTANCE_DIR": str(tmp_path),
            "SIGNAGE_LOG_FORMAT": "JSON",
            "SIGNAGE_OFFLINE_NOTIFY_MINUTES": "10",
        }
    )
    assert (settings.log_format, settings.offline_notify_minutes, settings.smtp) == (
        "json",
        10,
        None,
    )
    defaults = Settings.from_env({"SIGNAGE_INSTANCE_DIR": str(tmp_path)})
    assert (defaults.log_format, defaults.offline_notify_minutes) == ("text", 5)


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("SIGNAGE_LOG_FORMAT", "xml"),
        ("SIGNAGE_OFFLINE_NOTIFY_MINUTES", "0"),
        ("SIGNAGE_OFFLINE_NOTIFY_MINUTES", "five"),
    ],
)
def test_bad_operations_settings_are_refused_by_name(tmp_path: Path, name: str, raw: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({"SIGNAGE_INSTANCE_DIR": str(tmp_path), name: raw})


def test_a_json_log_record_is_one_object_with_the_request_fields() -> None:
    record = logging.LogRecord("signage.app", logging.INFO, __file__, 1, "GET %s", ("/x",), None)
    record.__dict__.update({"method": "GET", "path": "/x", "status": 200, "user_id": 7})
    line = formatter("json").format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["message"] == "GET /x"
    assert (parsed["level"], parsed["logger"], parsed["user_id"]) == ("INFO", "signage.app", 7)
    assert "time" in parsed
