"""`deploy/` stays in step with the code: its processes run commands the command line
has, its settings are ones the server reads and accepts, and nginx serves exactly the
media files the server would, from the same places."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from signage.cli import cli
from signage.config import MediaLimits, Settings
from signage.content.media_store import rendition_dir
from signage.content.renditions import MIMES, box_name
from signage.player.assets import RENDITION, SHA256

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SIGNAGE_SOURCE = Path(__file__).resolve().parents[2] / "signage"
NGINX = (DEPLOY / "nginx" / "infotavle.conf").read_text()
COMPOSE = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
SYSTEMD_ENV = DEPLOY / "systemd" / "infotavle.env.example"
DIGEST = "ab" + "0123456789abcdef" * 3 + "0123456789abcd"
assert SHA256.fullmatch(DIGEST)


def server_services() -> dict[str, dict]:
    return {
        name: service
        for name, service in COMPOSE["services"].items()
        if service.get("image", "").startswith("infotavle-server")
    }


def is_signage_command(argv: list[str]) -> bool:
    """`signage serve …`, `signage db upgrade`: a command (or group and command) the
    command line has."""
    if not argv or Path(argv[0]).name != "signage" or len(argv) < 2:
        return False
    command = cli.commands.get(argv[1])
    if command is None:
        return False
    subcommands = getattr(command, "commands", None)
    return subcommands is None or (len(argv) > 2 and argv[2] in subcommands)


def test_every_server_process_runs_a_command_the_command_line_has() -> None:
    services = server_services()
    systemd = [
        shlex.split(line.split("=", 1)[1])
        for unit in (DEPLOY / "systemd").glob("*.service")
        for line in unit.read_text().splitlines()
        if line.startswith(("ExecStart=", "ExecStartPre="))
    ]

    assert {"migrate", "web1", "web2", "scheduler"} <= services.keys()
    assert [name for name, s in services.items() if not is_signage_command(s["command"])] == []
    assert systemd
    assert [argv for argv in systemd if not is_signage_command(argv)] == []


def environments() -> list[dict[str, str]]:
    """The settings each deployment gives the server, placeholders filled in."""
    compose = {
        name: re.sub(r"\$\{[^}]+\}", "placeholder", str(value))
        for name, value in next(iter(server_services().values()))["environment"].items()
    }
    systemd = dict(
        line.split("=", 1)
        for line in SYSTEMD_ENV.read_text().splitlines()
        if line and not line.startswith("#")
    )
    return [compose, systemd]


@pytest.mark.parametrize("environment", environments(), ids=["compose", "systemd"])
def test_the_settings_are_ones_the_server_reads_and_accepts(
    environment: dict[str, str], tmp_path: Path
) -> None:
    source = "\n".join(p.read_text() for p in SIGNAGE_SOURCE.rglob("*.py"))
    unknown = [name for name in environment if f'"{name}"' not in source]

    settings = Settings.from_env({**environment, "SIGNAGE_INSTANCE_DIR": str(tmp_path)})

    assert unknown == []
    assert settings.redis_url
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert settings.proxies == 1  # nginx is the one proxy in front
    assert not settings.run_jobs  # the scheduler runs them


def nginx_media_location() -> tuple[re.Pattern[str], str, str]:
    """The media location's pattern (in Python's syntax), its root and its file."""
    found = re.search(
        r'location ~ "(?P<pattern>\^/media/[^"]+)" \{(?P<body>[^}]+)\}', NGINX, re.DOTALL
    )
    assert found, "no media location in infotavle.conf"
    pattern = re.compile(found["pattern"].replace("(?<", "(?P<"))
    root = re.search(r"root (\S+);", found["body"])
    tried = re.search(r"try_files (\S+) @server;", found["body"])
    assert root
    assert tried
    return pattern, root[1], tried[1]


def nginx_variables(text: str, values: dict[str, str]) -> str:
    return re.sub(r"\$(\w+)", lambda m: values[m[1]], text)


RENDITIONS = ["thumb", "original", box_name(1920, 1080, "fit"), box_name(640, 360, "fill", 2)]
NOT_RENDITIONS = ["../originals", "thumb.jpg/..", "1920x1080", "p0-thumb", "secret", "THUMB"]


@pytest.mark.parametrize("name", RENDITIONS + NOT_RENDITIONS)
def test_nginx_serves_the_media_files_the_server_serves_from_the_same_place(name: str) -> None:
    pattern, root, tried = nginx_media_location()
    media_dir = Path(root).parent

    for ext in [*MIMES, "py"]:
        server_serves = bool(RENDITION.fullmatch(name) and ext in MIMES)
        matched = pattern.match(f"/media/{DIGEST}/{name}.{ext}")

        assert bool(matched) == server_serves, f"{name}.{ext}"
        if matched:
            path = root + nginx_variables(tried, matched.groupdict())
            assert Path(path) == rendition_dir(media_dir, DIGEST) / f"{name}.{ext}"


def test_nginx_takes_the_largest_upload_and_keeps_sockets_open() -> None:
    body_size = re.search(r"client_max_body_size (\d+)m;", NGINX)
    socket_location = re.search(r"location /socket\.io/ \{([^}]+)\}", NGINX)
    upstreams = [p.read_text() for p in (DEPLOY / "nginx").glob("upstream-*.conf")]

    assert body_size
    assert int(body_size[1]) * 1024 * 1024 > MediaLimits().max_upload_bytes
    assert socket_location
    assert re.search(r"proxy_read_timeout \d+h;", socket_location[1])
    assert "proxy_set_header Connection $connection_upgrade;" in NGINX
    assert upstreams
    assert all("ip_hash;" in upstream for upstream in upstreams)
