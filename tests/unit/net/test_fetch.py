"""The outbound-fetch guard: what it refuses (without connecting anywhere), and that what
it lets through goes to the one address it checked, with redirects, size and time held
in check. Names are never looked up for real: the guard's resolver is replaced, and the
only hosts contacted are this test's own servers on loopback, which the policy lets
through by name (127.0.0.1/32) the way an admin lets an intranet through."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

import pytest
import urllib3.util.connection

from signage.net import fetch
from signage.net.fetch import FetchPolicy, FetchRefused, check_url
from tests.httpd import Answer, serving

LOOPBACK_ONLY = (ipaddress.ip_network("127.0.0.1/32"),)
NAMES = {
    "news.example.org": ["127.0.0.1"],  # a public-looking name for this test's own server
    "intranet.example.org": ["10.0.0.1"],
    "metadata.example.org": ["169.254.169.254"],
    "mixed.example.org": ["93.184.216.34", "10.0.0.7"],
    "public.example.org": ["93.184.216.34"],
}


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names resolve from NAMES only; an unknown name does not resolve."""
    asked: list[str] = []

    def resolve(host: str, _port: int) -> list[str]:
        asked.append(host)
        if host not in NAMES:
            raise OSError(f"{host}: no such name in this test")
        return NAMES[host]

    monkeypatch.setattr(fetch, "resolve", resolve)
    return asked


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every connection urllib3 opens, by the address it connects to."""
    made: list[tuple[str, int]] = []
    real: Callable[..., object] = urllib3.util.connection.create_connection

    def record(address: tuple[str, int], *args: object, **kwargs: object) -> object:
        made.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", record)
    return made


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://169.254.169.254/latest/meta-data/", "blocked"),
        ("http://127.0.0.1:6379/", "blocked"),
        ("file:///etc/passwd", "scheme"),
        ("gopher://127.0.0.1:6379/_SET%20key%20value", "scheme"),
        ("ftp://public.example.org/feed.xml", "scheme"),
        ("http://intranet.example.org/", "blocked"),
        ("http://metadata.example.org/latest/", "blocked"),
        ("http://mixed.example.org/", "blocked"),
        ("http://[::ffff:127.0.0.1]/", "blocked"),
        ("http://[::1]:8000/", "blocked"),
        ("http://[fd00:ec2::254]/", "blocked"),
        ("http://100.64.0.1/", "blocked"),
        ("http://0.0.0.0:8000/", "blocked"),
        ("http://192.168.1.1/admin", "blocked"),
        ("http://224.0.0.1/", "blocked"),
        ("http://nowhere.invalid/", "resolve"),
        ("http://user:secret@public.example.org/", "credentials"),
        ("http:///no-host", "address"),
    ],
)
def test_a_fetch_the_rules_forbid_is_refused_without_connecting(
    url: str, code: str, lookups: list[str], connections: list[tuple[str, int]]
) -> None:
    with pytest.raises(FetchRefused) as refused:
        fetch.fetch(url, FetchPolicy())
    assert refused.value.code == code
    assert refused.value.detail
    assert connections == []


def test_a_name_resolving_to_a_private_address_is_named_in_the_reason(
    lookups: list[str],
) -> None:
    with pytest.raises(FetchRefused) as refused:
        check_url("https://intranet.example.org/news.rss")
    assert refused.value.detail == "intranet.example.org (10.0.0.1) is a private address"


def test_an_allowed_network_lets_its_addresses_through_but_never_metadata(
    lookups: list[str],
) -> None:
    intranet = FetchPolicy(allow=(ipaddress.ip_network("10.0.0.0/8"),))
    assert check_url("https://intranet.example.org/", intranet).address == "10.0.0.1"
    everything = FetchPolicy(allow=(ipaddress.ip_network("169.254.0.0/16"),))
    with pytest.raises(FetchRefused, match="cloud metadata"):
        check_url("http://169.254.169.254/", everything)


def test_the_connection_goes_to_the_checked_address_with_the_name_as_host(
    lookups: list[str], connections: list[tuple[str, int]]
) -> None:
    with serving() as site:
        site.answers["/feed.xml"] = Answer(body=b"<rss/>")
        got = fetch.fetch(
            site.url("/feed.xml", host="news.example.org"), FetchPolicy(allow=LOOPBACK_ONLY)
        )
    assert got.body == b"<rss/>"
    assert lookups == ["news.example.org"]  # looked up once
    assert connections == [("127.0.0.1", site.port)]  # to the address, not the name
    assert site.seen == [("/feed.xml", f"news.example.org:{site.port}")]


def test_a_name_that_changes_its_answer_after_the_check_is_not_looked_up_again(
    monkeypatch: pytest.MonkeyPatch, connections: list[tuple[str, int]]
) -> None:
    """DNS rebinding: the second answer (a private address) is never asked for."""
    answers = iter([["127.0.0.1"], ["10.0.0.1"]])
    monkeypatch.setattr(fetch, "resolve", lambda _host, _port: next(answers))
    with serving() as site:
        site.answers["/"] = Answer(body=b"ok")
        got = fetch.fetch(
            site.url("/", host="rebind.example.org"), FetchPolicy(allow=LOOPBACK_ONLY)
        )
    assert got.body == b"ok"
    assert connections == [("127.0.0.1", site.port)]


def test_a_redirect_to_a_private_name_is_refused_before_connecting_to_it(
    lookups: list[str], connections: list[tuple[str, int]]
) -> None:
    with serving() as site:
        site.answers["/feed.xml"] = Answer(
            302, headers={"Location": "http://intranet.example.org/secret"}
        )
        with pytest.raises(FetchRefused) as refused:
            fetch.fetch(site.url("/feed.xml"), FetchPolicy(allow=LOOPBACK_ONLY))
    assert refused.value.code == "blocked"
    assert "intranet.example.org (10.0.0.1)" in refused.value.detail
    assert connections == [("127.0.0.1", site.port)]  # the first hop only


def test_a_redirect_to_a_listening_private_host_never_reaches_it(
    lookups: list[str], connections: list[tuple[str, int]]
) -> None:
    """The target really listens (on 127.0.0.2, outside the allowed 127.0.0.1/32) and
    records every request: it gets none."""
    with serving("127.0.0.2") as private, serving() as site:
        private.answers["/secret"] = Answer(body=b"the crown jewels")
        site.answers["/feed.xml"] = Answer(301, headers={"Location": private.url("/secret")})
        with pytest.raises(FetchRefused) as refused:
            fetch.fetch(site.url("/feed.xml"), FetchPolicy(allow=LOOPBACK_ONLY))
    assert refused.value.code == "blocked"
    assert private.seen == []
    assert connections == [("127.0.0.1", site.port)]


def test_redirects_are_followed_up_to_the_cap_and_no_further(lookups: list[str]) -> None:
    policy = FetchPolicy(allow=LOOPBACK_ONLY, max_redirects=5)
    with serving() as site:
        for hop in range(7):
            site.answers[f"/r{hop}"] = Answer(302, headers={"Location": f"/r{hop + 1}"})
        site.answers["/r5"] = Answer(body=b"arrived")
        assert fetch.fetch(site.url("/r0"), policy).body == b"arrived"
        assert fetch.fetch(site.url("/r0"), policy).url.endswith("/r5")
        site.answers["/r5"] = Answer(302, headers={"Location": "/r6"})
        site.answers["/r6"] = Answer(body=b"one too many")
        with pytest.raises(FetchRefused) as refused:
            fetch.fetch(site.url("/r0"), policy)
    assert refused.value.code == "redirects"
    assert ("/r6", f"127.0.0.1:{site.port}") not in site.seen


@pytest.mark.parametrize("declared", [True, False])
def test_a_body_past_the_size_cap_is_given_up(lookups: list[str], declared: bool) -> None:
    policy = FetchPolicy(allow=LOOPBACK_ONLY, max_bytes=1024 * 1024)
    with serving() as site:
        headers = {} if declared else {"Content-Length": "", "Connection": "close"}
        site.answers["/big"] = Answer(body=b"x" * (3 * 1024 * 1024), headers=headers)
        with pytest.raises(FetchRefused) as refused:
            fetch.fetch(site.url("/big"), policy)
    assert refused.value.code == "too_large"


def test_a_server_too_slow_to_answer_times_out(lookups: list[str]) -> None:
    policy = FetchPolicy(allow=LOOPBACK_ONLY, read_timeout_s=0.3)
    with serving() as site:
        site.answers["/slow"] = Answer(body=b"late", delay_s=1.5)
        with pytest.raises(FetchRefused) as refused:
            fetch.fetch(site.url("/slow"), policy)
    assert refused.value.code == "timeout"


def test_an_error_status_is_a_refusal_and_not_modified_is_an_answer(lookups: list[str]) -> None:
    policy = FetchPolicy(allow=LOOPBACK_ONLY)
    with serving() as site:
        site.answers["/gone"] = Answer(500, b"oops")
        site.answers["/same"] = Answer(304)
        with pytest.raises(FetchRefused) as refused:
            fetch.fetch(site.url("/gone"), policy)
        unchanged = fetch.fetch(site.url("/same"), policy, {"If-None-Match": '"v1"'})
    assert refused.value.code == "status"
    assert "500" in refused.value.detail
    assert (unchanged.status, unchanged.body) == (304, b"")
