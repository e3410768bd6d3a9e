"""Typed settings for the whole server.

All environment parsing happens here and nowhere else; the rest of the code receives a
`Settings` object. Nothing here touches the network or the database.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import secrets
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from signage.accounts.permissions import Role
from signage.alerts.cap import AreaMap
from signage.net.fetch import FetchPolicy, Network

DEFAULT_BIND = "127.0.0.1:8000"
DEFAULT_TIMEZONE = "Europe/Copenhagen"
DEFAULT_REDIS_PREFIX = "signage"
REDIS_PREFIX = re.compile(r"[A-Za-z0-9_.-]{1,64}")
SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret


class ConfigError(ValueError):
    """A setting has a value the server cannot run with."""


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"expected a yes/no value, got {value!r}")


def _whole(env: dict[str, str], name: str, default: int, low: int = 1) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if not raw.strip().isascii() or not raw.strip().isdigit() or int(raw) < low:
        raise ConfigError(f"{name}: expected a whole number of at least {low}, got {raw!r}")
    return int(raw)


MB = 1024 * 1024
# A play may arrive up to a day late and still find its raw neighbours to roll up with.
MIN_PLAY_RETENTION_DAYS = 2


@dataclass(frozen=True)
class MediaLimits:
    """Upload limits and the media sweeps' settings."""

    max_image_bytes: int = 50 * MB  # images and PDFs
    max_video_bytes: int = 200 * MB
    grace_hours: int = 168  # unused media is collected a week after its last use
    workers: int = 1  # rendition worker processes

    @property
    def max_upload_bytes(self) -> int:
        return max(self.max_image_bytes, self.max_video_bytes)

    @classmethod
    def from_env(cls, env: dict[str, str]) -> MediaLimits:
        return cls(
            max_image_bytes=_whole(env, "SIGNAGE_MAX_IMAGE_MB", 50) * MB,
            max_video_bytes=_whole(env, "SIGNAGE_MAX_VIDEO_MB", 200) * MB,
            grace_hours=_whole(env, "SIGNAGE_MEDIA_GRACE_HOURS", 168, low=0),
            workers=_whole(env, "SIGNAGE_MEDIA_WORKERS", 1),
        )


def fetch_policy_from_env(env: dict[str, str]) -> FetchPolicy:
    """The outbound-fetch guard's settings: networks trusted although private
    (SIGNAGE_FETCH_ALLOW, comma-separated, such as 10.20.0.0/16), the size cap
    (SIGNAGE_FETCH_MAX_MB) and the read timeout (SIGNAGE_FETCH_TIMEOUT_S)."""
    allow: list[Network] = []
    for raw in (env.get("SIGNAGE_FETCH_ALLOW") or "").split(","):
        if raw.strip():
            try:
                allow.append(ipaddress.ip_network(raw.strip(), strict=False))
            except ValueError as exc:
                raise ConfigError(
                    f"SIGNAGE_FETCH_ALLOW: {raw.strip()!r} is not a network such as 10.20.0.0/16"
                ) from exc
    return FetchPolicy(
        allow=tuple(allow),
        max_bytes=_whole(env, "SIGNAGE_FETCH_MAX_MB", 5) * MB,
        read_timeout_s=float(_whole(env, "SIGNAGE_FETCH_TIMEOUT_S", 15)),
    )


PASSWORD_LOGIN_MODES = ("all", "admins", "off")
SMTP_SECURITY = {"starttls": 587, "ssl": 465, "none": 25}  # each mode's usual port
LOG_FORMATS = ("text", "json")


@dataclass(frozen=True)
class SmtpSettings:
    """Where offline notifications are mailed from (SIGNAGE_SMTP_*). Without a host, staff
    get console notifications only."""

    host: str
    sender: str
    port: int = 587
    user: str | None = None
    password: str | None = None
    security: str = "starttls"  # starttls | ssl | none
    timeout_s: int = 10

    @classmethod
    def from_env(cls, env: dict[str, str]) -> SmtpSettings | None:
        host = env.get("SIGNAGE_SMTP_HOST") or ""
        if not host:
            return None
        sender = env.get("SIGNAGE_SMTP_FROM") or ""
        if "@" not in sender:
            raise ConfigError("SIGNAGE_SMTP_FROM: an address such as infotavle@kommune.dk")
        security = (env.get("SIGNAGE_SMTP_SECURITY") or "starttls").strip().lower()
        if security not in SMTP_SECURITY:
            raise ConfigError(
                f"SIGNAGE_SMTP_SECURITY: one of {', '.join(SMTP_SECURITY)}, got {security!r}"
            )
        return cls(
            host=host,
            sender=sender,
            port=_whole(env, "SIGNAGE_SMTP_PORT", SMTP_SECURITY[security]),
            user=env.get("SIGNAGE_SMTP_USER") or None,
            password=env.get("SIGNAGE_SMTP_PASSWORD") or None,
            security=security,
        )


@dataclass(frozen=True)
class OidcSettings:
    """Sign-in with the municipality's identity provider (OpenID Connect)."""

    issuer: str
    client_id: str
    client_secret: str
    # A group claim value → the (role, location slug) grants it gives.
    groups: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    groups_claim: str = "groups"
    scope: str = "openid email profile"

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    @classmethod
    def from_env(cls, env: dict[str, str]) -> OidcSettings | None:
        issuer = env.get("SIGNAGE_OIDC_ISSUER") or ""
        if not issuer:
            return None
        client_id = env.get("SIGNAGE_OIDC_CLIENT_ID") or ""
        if not client_id:
            raise ConfigError("SIGNAGE_OIDC_CLIENT_ID is needed with SIGNAGE_OIDC_ISSUER")
        return cls(
            issuer=issuer,
            client_id=client_id,
            client_secret=env.get("SIGNAGE_OIDC_CLIENT_SECRET") or "",
            groups=load_group_grants(env.get("SIGNAGE_OIDC_GROUPS")),
            groups_claim=env.get("SIGNAGE_OIDC_GROUPS_CLAIM") or "groups",
            scope=env.get("SIGNAGE_OIDC_SCOPE") or "openid email profile",
        )


@dataclass(frozen=True)
class Settings:
    instance_dir: Path
    database_url: str
    media_dir: Path
    secret_key: str
    redis_url: str | None = None
    # Names every Redis key and channel of this deployment (several may share a Redis).
    redis_prefix: str = DEFAULT_REDIS_PREFIX
    run_jobs: bool = True
    timezone: str = DEFAULT_TIMEZONE
    language: str = "da"
    bind: str = DEFAULT_BIND
    testing: bool = False
    media: MediaLimits = field(default_factory=MediaLimits)
    # Where CAP alerts go by their areas (SIGNAGE_CAP_AREAS, a YAML file); None: to all.
    cap_areas: AreaMap | None = None
    oidc: OidcSettings | None = None
    # Who may sign in with a password: everyone, admins only (break-glass) or nobody.
    password_login: str = "all"  # noqa: S105 - a mode, not a password
    session_lifetime_minutes: int = 12 * 60  # a console session ends this long after sign-in
    idle_timeout_minutes: int = 60  # … or after this long without a request
    # Reverse proxies in front of the server (nginx: 1) whose X-Forwarded-For, -Proto,
    # -Host and -Port are believed; 0 (the default) ignores those headers, which a
    # client could otherwise forge.
    proxies: int = 0
    # Cookies are Secure whenever the request came over HTTPS (as the proxies above
    # tell); this makes them Secure always (SIGNAGE_SECURE_COOKIES=1), for a deployment
    # behind TLS whose proxy does not say so.
    secure_cookies: bool = False
    smtp: SmtpSettings | None = None
    # A display silent this long inside its power windows is reported to its managers.
    offline_notify_minutes: int = 5
    log_format: str = "text"  # text | json (one JSON object a line)
    # Raw plays are personal-data adjacent (who stood where when): kept this long, then
    # only the hourly and daily roll-ups remain (DESIGN.md, "Personal data").
    play_retention_days: int = 90
    # Audit entries (sign-ins and refused sign-ins among them) are kept this long.
    audit_retention_days: int = 90
    # Console notifications and the emails about them (sent or not) are kept this long.
    notification_retention_days: int = 90
    # The outbound-fetch guard (feeds, CAP polling, web page slides).
    fetch: FetchPolicy = field(default_factory=FetchPolicy)
    extra: dict[str, object] = field(default_factory=dict)

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        instance_dir = Path(env.get("SIGNAGE_INSTANCE_DIR") or "instance").resolve()
        instance_dir.mkdir(parents=True, exist_ok=True)
        database_url = env.get("SIGNAGE_DATABASE_URL") or f"sqlite:///{instance_dir / 'signage.db'}"
        media_dir = Path(env.get("SIGNAGE_MEDIA_DIR") or instance_dir / "media").resolve()
        redis_url = env.get("SIGNAGE_REDIS_URL") or None
        redis_prefix = env.get("SIGNAGE_REDIS_PREFIX") or DEFAULT_REDIS_PREFIX
        if not REDIS_PREFIX.fullmatch(redis_prefix):
            raise ConfigError(
                "SIGNAGE_REDIS_PREFIX: up to 64 letters, digits, '.', '_' or '-', "
                f"got {redis_prefix!r}"
            )
        timezone = env.get("SIGNAGE_TIMEZONE") or DEFAULT_TIMEZONE
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"SIGNAGE_TIMEZONE: unknown timezone {timezone!r}") from exc
        language = env.get("SIGNAGE_LANGUAGE") or "da"
        bind = env.get("SIGNAGE_BIND") or DEFAULT_BIND
        parse_bind(bind)
        try:
            run_jobs = _flag(env.get("SIGNAGE_RUN_JOBS"), default=redis_url is None)
        except ConfigError as exc:
            raise ConfigError(f"SIGNAGE_RUN_JOBS: {exc}") from exc
        secret_key = env.get("SIGNAGE_SECRET_KEY") or load_or_create_secret(instance_dir)
        password_login = env.get("SIGNAGE_PASSWORD_LOGIN") or "all"
        if password_login not in PASSWORD_LOGIN_MODES:
            raise ConfigError(
                f"SIGNAGE_PASSWORD_LOGIN: one of {', '.join(PASSWORD_LOGIN_MODES)}, "
                f"got {password_login!r}"
            )
        try:
            secure_cookies = _flag(env.get("SIGNAGE_SECURE_COOKIES"), default=False)
        except ConfigError as exc:
            raise ConfigError(f"SIGNAGE_SECURE_COOKIES: {exc}") from exc
        log_format = (env.get("SIGNAGE_LOG_FORMAT") or "text").strip().lower()
        if log_format not in LOG_FORMATS:
            raise ConfigError(
                f"SIGNAGE_LOG_FORMAT: one of {', '.join(LOG_FORMATS)}, got {log_format!r}"
            )
        return cls(
            instance_dir=instance_dir,
            database_url=database_url,
            media_dir=media_dir,
            secret_key=secret_key,
            redis_url=redis_url,
            redis_prefix=redis_prefix,
            run_jobs=run_jobs,
            timezone=timezone,
            language=language,
            bind=bind,
            media=MediaLimits.from_env(env),
            cap_areas=load_cap_areas(env.get("SIGNAGE_CAP_AREAS")),
            oidc=OidcSettings.from_env(env),
            password_login=password_login,
            session_lifetime_minutes=_whole(env, "SIGNAGE_SESSION_LIFETIME_MINUTES", 12 * 60),
            idle_timeout_minutes=_whole(env, "SIGNAGE_IDLE_TIMEOUT_MINUTES", 60),
            proxies=_whole(env, "SIGNAGE_PROXIES", 0, low=0),
            secure_cookies=secure_cookies,
            smtp=SmtpSettings.from_env(env),
            offline_notify_minutes=_whole(env, "SIGNAGE_OFFLINE_NOTIFY_MINUTES", 5),
            log_format=log_format,
            play_retention_days=_whole(
                env, "SIGNAGE_PLAY_RETENTION_DAYS", 90, low=MIN_PLAY_RETENTION_DAYS
            ),
            audit_retention_days=_whole(env, "SIGNAGE_AUDIT_RETENTION_DAYS", 90),
            notification_retention_days=_whole(env, "SIGNAGE_NOTIFICATION_RETENTION_DAYS", 90),
            fetch=fetch_policy_from_env(env),
        )


def load_group_grants(path: str | None) -> dict[str, tuple[tuple[str, str], ...]]:
    """The claims-to-grants mapping (SIGNAGE_OIDC_GROUPS, a YAML file):
    `groups: {"<group claim value>": [{role: editor, location: <slug>}, …]}`."""
    if not path:
        return {}
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"SIGNAGE_OIDC_GROUPS: cannot read {path}: {exc}") from exc
    groups = raw.get("groups") if isinstance(raw, dict) else None
    if not isinstance(groups, dict):
        raise ConfigError("SIGNAGE_OIDC_GROUPS: the file holds `groups:`, a mapping")
    mapping: dict[str, tuple[tuple[str, str], ...]] = {}
    for group, grants in groups.items():
        try:
            mapping[str(group)] = tuple(
                (Role.parse(str(grant["role"])).slug, str(grant["location"])) for grant in grants
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(
                f"SIGNAGE_OIDC_GROUPS: group {group!r} needs a list of {{role, location}}"
            ) from exc
    return mapping


def load_cap_areas(path: str | None) -> AreaMap | None:
    """The CAP area mapping: `geocodes: {"NUTS3=DK012": [slug, …]}`, `areas: {"area
    description": [slug, …]}` and an optional `default: [slug, …]`."""
    if not path:
        return None
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"SIGNAGE_CAP_AREAS: cannot read {path}: {exc}") from exc
    if not isinstance(raw, dict) or not set(raw) <= {"geocodes", "areas", "default"}:
        raise ConfigError(
            "SIGNAGE_CAP_AREAS: the file holds a mapping with geocodes, areas and default"
        )
    try:
        return AreaMap.from_mapping(raw)
    except (AttributeError, TypeError) as exc:
        raise ConfigError(f"SIGNAGE_CAP_AREAS: {exc}") from exc


def load_or_create_secret(instance_dir: Path) -> str:
    """Keep one generated secret per instance so sessions survive restarts.

    The new secret is written whole beside its name and linked into place: processes
    starting at once end up with one key, and none reads a half-written file."""
    path = instance_dir / SECRET_KEY_FILE
    if not path.exists():
        fd, temporary = tempfile.mkstemp(dir=instance_dir, prefix=".secret-")  # mode 0600
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):  # another process was first
                os.link(temporary, path)
        finally:
            Path(temporary).unlink(missing_ok=True)
    return path.read_text().strip()


def parse_bind(bind: str) -> tuple[str, int]:
    host, sep, port = bind.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"SIGNAGE_BIND must be HOST:PORT, got {bind!r}")
    return host.strip("[]"), int(port)
