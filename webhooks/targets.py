"""Where a webhook may point: never, in production, at the instance's own network.

A URL whose host resolves to a private, loopback, link-local, reserved,
multicast or unspecified address is refused when the endpoint is saved, and
again at each delivery (the name is resolved again, and the connection goes to
the address that was checked: a name that changes its answer in between gains
nothing). ``AMORCE_WEBHOOKS_ALLOW_PRIVATE`` lifts the rule (development, tests).
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


class TargetRefused(ValueError):
    """``str()`` says why, in French."""


def allow_private():
    return getattr(settings, "AMORCE_WEBHOOKS_ALLOW_PRIVATE", False)


def is_public(address):
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )


def resolve(url):
    """``(scheme, host, port, path, [addresses])`` of ``url``, every address checked.

    Raises ``TargetRefused``.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused(_("L'adresse doit commencer par http:// ou https://."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise TargetRefused(_("Le port de cette adresse n'est pas valide.")) from None
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise TargetRefused(
            _("Le nom « %(host)s » ne se résout pas.") % {"host": parts.hostname}
        ) from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not allow_private():
        refused = [address for address in addresses if not is_public(address)]
        if refused:
            raise TargetRefused(
                _(
                    "Cette adresse mène à un réseau privé ou réservé (%(address)s) : "
                    "un webhook doit viser une adresse publique."
                )
                % {"address": refused[0]}
            )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return parts.scheme, parts.hostname, port, path, addresses
