"""Reading the identity provider's settings and the claims-to-grants mapping."""

from __future__ import annotations

from pathlib import Path

import pytest

from signage.config import ConfigError, OidcSettings, Settings


def test_no_issuer_means_no_identity_provider() -> None:
    assert OidcSettings.from_env({}) is None


def test_the_group_file_maps_each_group_to_role_and_location_grants(tmp_path: Path) -> None:
    groups = tmp_path / "groups.yaml"
    groups.write_text(
        "groups:\n"
        "  skole-redaktoerer: [{role: editor, location: skolen}]\n"
        "  it-admins: [{role: admin, location: kommunen}, {role: viewer, location: skolen}]\n"
    )
    oidc = OidcSettings.from_env(
        {
            "SIGNAGE_OIDC_ISSUER": "https://login.example.dk/",
            "SIGNAGE_OIDC_CLIENT_ID": "infotavle",
            "SIGNAGE_OIDC_CLIENT_SECRET": "s",
            "SIGNAGE_OIDC_GROUPS": str(groups),
        }
    )
    assert oidc is not None
    assert oidc.metadata_url == "https://login.example.dk/.well-known/openid-configuration"
    assert oidc.groups == {
        "skole-redaktoerer": (("editor", "skolen"),),
        "it-admins": (("admin", "kommunen"), ("viewer", "skolen")),
    }


@pytest.mark.parametrize(
    "content",
    [
        "groups: [a, b]",
        "groups:\n  g: [{role: editor}]",
        "groups:\n  g: [{role: chef, location: skolen}]",
        "just text",
        "groups: {g: 3}",
    ],
)
def test_a_malformed_group_file_is_a_configuration_error(tmp_path: Path, content: str) -> None:
    groups = tmp_path / "groups.yaml"
    groups.write_text(content)
    with pytest.raises(ConfigError, match="SIGNAGE_OIDC_GROUPS"):
        OidcSettings.from_env(
            {
                "SIGNAGE_OIDC_ISSUER": "https://login.example.dk",
                "SIGNAGE_OIDC_CLIENT_ID": "infotavle",
                "SIGNAGE_OIDC_GROUPS": str(groups),
            }
        )


def test_an_issuer_without_a_client_id_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="CLIENT_ID"):
        OidcSettings.from_env({"SIGNAGE_OIDC_ISSUER": "https://login.example.dk"})


def test_session_and_password_settings_are_read_and_checked(tmp_path: Path) -> None:
    env = {
        "SIGNAGE_INSTANCE_DIR": str(tmp_path),
        "SIGNAGE_PASSWORD_LOGIN": "admins",
        "SIGNAGE_SESSION_LIFETIME_MINUTES": "480",
        "SIGNAGE_IDLE_TIMEOUT_MINUTES": "20",
    }
    settings = Settings.from_env(env)
    assert (settings.password_login, settings.session_lifetime_minutes) == ("admins", 480)
    assert settings.idle_timeout_minutes == 20
    with pytest.raises(ConfigError, match="SIGNAGE_PASSWORD_LOGIN"):
        Settings.from_env({**env, "SIGNAGE_PASSWORD_LOGIN": "sometimes"})
