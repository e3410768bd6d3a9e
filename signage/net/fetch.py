"""The one way the server reaches out: every outbound HTTP request it makes (feeds, CAP
polling and the CAP documents a feed links to) goes through `fetch`, and every address
it tells a screen to load (web page slides) through `check_url`.

The rules: http and https only; the name is resolved once, every address it gives must
be public (no private, loopback, link-local, multicast, reserved, unspecified, shared
(carrier-grade NAT) or cloud metadata address, nor an IPv6 form that carries one), and
the connection goes to that very address (TLS still checks the certificate against the
name, and the name is sent as Host and SNI), so a second lookup cannot move it;
redirects are checked again, hop by hop, and at most `max_redirects`; connect and read
timeouts, an overall deadline, and a size cap on the body, read as a stream and given up
past the cap. Networks an admin trusts (`SIGNAGE_FETCH_ALLOW`) are let through; cloud
metadata addresses never are. No proxy is used: it would defeat the pinning.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3 import exceptions as http_errors

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_PORTS = {"http": 80, "https": 443}
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MB = 1024 * 1024
CHUNK_BYTES = 64 * 1024

# Instance metadata services (AWS, GCP, Azure, OpenStack, ECS, Alibaba): refused even
# inside a network the admin allows. Azure's wire server sits on a public address.
METADATA = tuple(
    ipaddress.ip_network(n)
    for n in (
        "169.254.169.254/32",
        "169.254.170.2/32",
        "100.100.100.200/32",
        "168.63.129.16/32",
        "fd00:ec2::254/128",
    )
)
SHARED = ipaddress.ip_network("100.64.0.0/10")  # RFC 6598, carrier-grade NAT
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052: an IPv4 address in the low bits

# Why a fetch was refused or failed: a fixed set, so the console can say it in Danish.
REASONS = (
    "scheme",  # not http or https
    "address",  # not a usable web address
    "credentials",  # a user name or password in the address
    "resolve",  # the name does not resolve
    "blocked",  # the name resolves to an address that is not public
    "redirects",  # too many redirects
    "connect",  # no connection
    "tls",  # the certificate does not fit the name
    "timeout",  # too slow
    "too_large",  # past the size cap
    "status",  # an HTTP error status
)


class FetchRefused(Exception):
    """A fetch the guard refused, or one that failed; `code` is one of REASONS and
    `detail` says what happened (English, for the log and the console)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class FetchPolicy:
    allow: tuple[Network, ...] = ()  # private networks an admin trusts (an intranet)
    max_bytes: int = 5 * MB
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 15.0
    deadline_s: float = 30.0  # the whole fetch, redirects and a trickling body included
    max_redirects: int = 5
    user_agent: str = "Infotavle (digital signage; feeds)"


@dataclass(frozen=True)
class Target:
    """A checked address: where to connect (`address`) and what to ask for there."""

    url: str
    scheme: str
    host: str  # the name, in ASCII (IDNA)
    port: int
    address: str  # the resolved address the connection is pinned to

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"

    @property
    def request_target(self) -> str:
        parts = urlsplit(self.url)
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    status: int  # 2xx, or 304 for a conditional request
    headers: Mapping[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()


Resolver = Callable[[str, int], list[str]]


def system_resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


# The name lookup. Tests replace it, so that no test looks a name up or reaches a host
# the name would point at.
resolve: Resolver = system_resolve

_configured = FetchPolicy()


def configure(policy: FetchPolicy) -> None:
    """The process's policy (from the settings), for callers that pass none."""
    global _configured  # one policy per process, set at start-up
    _configured = policy


def default_policy() -> FetchPolicy:
    return _configured


# -- addresses ------------------------------------------------------------------------
def blocked_reason(address: IPAddress, allow: tuple[Network, ...] = ()) -> str | None:
    """Why the server must not connect to `address`, or None when it may."""
    for candidate in _carried(address):
        if any(candidate in network for network in METADATA):
            return "cloud metadata"
        if any(candidate.version == n.version and candidate in n for n in allow):
            continue
        reason = _kind(candidate)
        if reason is not None:
            return reason
    return None


def _carried(address: IPAddress) -> list[IPAddress]:
    """The addresses to judge: an IPv4-mapped or NAT64 address by the IPv4 address it
    stands for; 6to4 and Teredo by themselves and the IPv4 addresses they carry."""
    if not isinstance(address, ipaddress.IPv6Address):
        return [address]
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    if address in NAT64:
        return [ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)]
    found: list[IPAddress] = [address]
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)
    return found


def _kind(address: IPAddress) -> str | None:
    checks = (
        (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local"),
        (address.is_multicast, "multicast"),
        (address.is_unspecified, "unspecified"),
        (address.version == 4 and address in SHARED, "shared (carrier-grade NAT)"),
        (address.is_private, "private"),
        (address.is_reserved, "reserved"),
        (not address.is_global, "non-public"),
    )
    return next((reason for hit, reason in checks if hit), None)


def check_url(url: str, policy: FetchPolicy | None = None) -> Target:
    """The address checked against the rules, with the one IP address to connect to.
    Raises FetchRefused when it may not be fetched; a name is resolved (once)."""
    policy = policy or _configured
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise FetchRefused(
            "scheme", f"only http:// and https:// addresses are fetched, not {scheme or '?'}:"
        )
    if parts.username is not None or parts.password is not None:
        raise FetchRefused("credentials", "an address with a user name or password")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except (ValueError, UnicodeError) as exc:
        raise FetchRefused("address", f"not a usable web address ({exc})") from exc
    if not host:
        raise FetchRefused("address", "the address names no host")
    addresses = _addresses(host, port)
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        reason = blocked_reason(address, policy.allow)
        if reason is not None:
            shown = host if host == text else f"{host} ({text})"
            raise FetchRefused("blocked", f"{shown} is a {reason} address")
    return Target(url.strip(), scheme, host, port, addresses[0])


def _addresses(host: str, port: int) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host))]  # a literal address: nothing to look up
    except ValueError:
        pass
    try:
        found = resolve(host, port)
    except (OSError, UnicodeError) as exc:
        raise FetchRefused("resolve", f"the name {host} does not resolve") from exc
    if not found:
        raise FetchRefused("resolve", f"the name {host} does not resolve")
    return found


# -- fetching -------------------------------------------------------------------------
def fetch(
    url: str, policy: FetchPolicy | None = None, headers: Mapping[str, str] | None = None
) -> Fetched:
    """GET `url` under the rules. Returns a 2xx answer (or 304 to a conditional request)
    with its whole body; raises FetchRefused for anything else."""
    policy = policy or _configured
    deadline = time.monotonic() + policy.deadline_s
    current = url
    for _hop in range(policy.max_redirects + 1):
        target = check_url(current, policy)
        with _response(target, policy, headers or {}, deadline) as response:
            location = response.headers.get("Location")
            if response.status in REDIRECT_STATUSES and location:
                current = urljoin(current, location)
                continue
            if response.status >= 400:
                raise FetchRefused("status", f"{target.host} answered HTTP {response.status}")
            body = b"" if response.status == 304 else _read(response, policy, deadline, target)
            return Fetched(current, response.status, dict(response.headers), body)
    raise FetchRefused("redirects", f"more than {policy.max_redirects} redirects")


@contextmanager
def _response(
    target: Target, policy: FetchPolicy, headers: Mapping[str, str], deadline: float
) -> Iterator[urllib3.BaseHTTPResponse]:
    left = max(deadline - time.monotonic(), 0.1)
    timeout = urllib3.Timeout(
        connect=min(policy.connect_timeout_s, left), read=min(policy.read_timeout_s, left)
    )
    pool: urllib3.HTTPConnectionPool
    if target.scheme == "https":
        # Connect to the checked address; the certificate must still fit the name.
        pool = urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            timeout=timeout,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    else:
        pool = urllib3.HTTPConnectionPool(
            target.address, target.port, timeout=timeout, retries=False
        )
    sent = {"User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate", **headers}
    sent["Host"] = target.host_header
    try:
        with _translated(target.host):
            response = pool.urlopen(
                "GET",
                target.request_target,
                headers=sent,
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
            )
        try:
            yield response
        finally:
            response.close()  # the pool is not reused: close, whatever is left unread
    finally:
        pool.close()


@contextmanager
def _translated(host: str) -> Iterator[None]:
    """urllib3's errors as refusals with a reason."""
    try:
        yield
    except (http_errors.ConnectTimeoutError, http_errors.ReadTimeoutError) as exc:
        raise FetchRefused("timeout", f"{host} did not answer in time") from exc
    except http_errors.SSLError as exc:
        raise FetchRefused("tls", f"TLS with {host} failed: {exc}") from exc
    except http_errors.NewConnectionError as exc:
        raise FetchRefused("connect", f"no connection to {host}") from exc
    except (http_errors.HTTPError, OSError) as exc:
        raise FetchRefused("connect", f"the connection to {host} failed") from exc


def _read(
    response: urllib3.BaseHTTPResponse, policy: FetchPolicy, deadline: float, target: Target
) -> bytes:
    """The body, decompressed, given up as soon as it passes the cap or the deadline."""
    too_large = FetchRefused("too_large", f"the answer is larger than {policy.max_bytes} bytes")
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > policy.max_bytes:
        raise too_large
    chunks: list[bytes] = []
    total = 0
    with _translated(target.host):
        for chunk in response.stream(CHUNK_BYTES, decode_content=True):
            total += len(chunk)
            if total > policy.max_bytes:
                raise too_large
            if time.monotonic() > deadline:
                raise FetchRefused("timeout", "the answer took too long to arrive")
            chunks.append(chunk)
    return b"".join(chunks)
