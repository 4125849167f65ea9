"""Which addresses a server may send a request to: public ones, and what the admin allow-listed."""

from __future__ import annotations

import ipaddress
import os
import socket
from dataclasses import dataclass, field

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
ENV_ALLOW = "LABELHIVE_OUTBOUND_ALLOW"
ENV_PUBLIC = "LABELHIVE_OUTBOUND_PUBLIC"
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class OutboundRefused(Exception):
    """A request the policy refused or that failed; `code` is stable, the message short and body-free."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries (mapped, compatible, 6to4, Teredo, NAT64), if any."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if int(address) >> 32 == 0 and int(address) > 1:  # IPv4-compatible ::a.b.c.d (deprecated)
        return ipaddress.IPv4Address(int(address))
    return None


def address_refusal(address: IPAddress) -> str | None:
    """Why this address is not a public one (None: it is)."""
    inner = _embedded_ipv4(address)
    if inner is not None:
        why = address_refusal(inner)
        return f"{why} (inside {address})" if why else None
    for what, flag in (
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("unspecified", address.is_unspecified),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
    ):
        if flag:
            return f"{what} address {address}"
    if not address.is_global:
        return f"non-public address {address}"
    return None


@dataclass(frozen=True)
class OutboundPolicy:
    allow_networks: tuple[IPNetwork, ...] = ()
    allow_hosts: frozenset[str] = field(default_factory=frozenset)
    max_bytes: int = 50 * 1024 * 1024
    timeout: float = 30.0  # seconds for the whole exchange, redirects included
    max_redirects: int = 5
    # False: only the allow list may be called (air-gapped sites, test servers); no public address at all,
    # and a name that is not allow-listed is refused before it is even resolved when no network is.
    allow_public: bool = True

    @classmethod
    def parse(
        cls, allow: str | list[str] | tuple[str, ...] | None, *, allow_public: bool = True, **limits: float
    ) -> OutboundPolicy:
        """`allow`: comma-separated CIDR networks or host names; a bad entry raises ValueError."""
        entries = allow.split(",") if isinstance(allow, str) else list(allow or ())
        networks: list[IPNetwork] = []
        hosts: set[str] = set()
        for raw in entries:
            entry = raw.strip().lower()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
                continue
            except ValueError:
                pass
            if not all(part and (part.isalnum() or "-" in part) for part in entry.split(".")):
                raise ValueError(f"{ENV_ALLOW}: {raw!r} is neither a CIDR network nor a host name")
            hosts.add(entry)
        return cls(tuple(networks), frozenset(hosts), allow_public=allow_public, **limits)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, **limits: float) -> OutboundPolicy:
        return cls.parse(
            os.environ.get(ENV_ALLOW, ""), allow_public=public_from_env(os.environ.get(ENV_PUBLIC)), **limits
        )

    def allowed(self, host: str, address: IPAddress) -> bool:
        if host.lower().rstrip(".") in self.allow_hosts:
            return True
        inner = _embedded_ipv4(address)
        return any(address in net or (inner is not None and inner in net) for net in self.allow_networks)

    def resolve(self, host: str, port: int) -> tuple[socket.AddressFamily, str]:
        """The address to connect to: every address the name has must pass (no DNS rebinding between
        the check and the connection, since the caller connects to exactly this one)."""
        unlisted_name = host.lower().rstrip(".") not in self.allow_hosts and _literal(host) is None
        if not self.allow_public and not self.allow_networks and unlisted_name:
            raise OutboundRefused("address_refused", f"{host} is not on the allow list ({ENV_ALLOW})")
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            raise OutboundRefused("unresolvable", f"cannot resolve {host}") from None
        if not infos:
            raise OutboundRefused("unresolvable", f"cannot resolve {host}")
        for _family, _type, _proto, _canon, sockaddr in infos:
            address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            if self.allowed(host, address):
                continue
            if not self.allow_public:
                raise OutboundRefused(
                    "address_refused", f"{host} ({address}) is not on the allow list ({ENV_ALLOW})"
                )
            why = address_refusal(address)
            if why:
                raise OutboundRefused("address_refused", f"{host} resolves to a {why}")
        family, _type, _proto, _canon, sockaddr = infos[0]
        return family, str(sockaddr[0])


def public_from_env(value: str | None) -> bool:
    """LABELHIVE_OUTBOUND_PUBLIC: true (default) or false; anything else raises ValueError naming it."""
    text = (value or "true").strip().lower()
    if text not in ("true", "false", "1", "0", "yes", "no"):
        raise ValueError(f"{ENV_PUBLIC}: {value!r} is not true or false")
    return text in ("true", "1", "yes")


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
