"""Where a webhook may point: never, in production, at the instance's own network.

A URL whose host resolves to a private, loopback, link-local, reserved,
multicast or unspecified address is refused when the endpoint is saved, and
again at each delivery (the name is resolved again, and the connection goes to
the address that was checked: a name that changes its answer in between gains
nothing). An IPv6 address that carries an IPv4 one (mapped, 6to4, Teredo) is
judged by what it carries too. Only ports 80 and 443 are allowed, plus
``AMORCE_WEBHOOKS_PORTS``. ``AMORCE_WEBHOOKS_ALLOW_PRIVATE`` lifts both rules
(development, tests).

A name is never waited on longer than ``AMORCE_WEBHOOKS_RESOLVE_TIMEOUT``
seconds (3 by default) when nothing shorter is asked: a slow resolver must not
hold the admin's request that saves an endpoint.
"""

import ipaddress
import socket
import threading
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


class TargetRefused(ValueError):
    """``str()`` says why, in French."""


def allow_private():
    return getattr(settings, "AMORCE_WEBHOOKS_ALLOW_PRIVATE", False)


def allowed_ports():
    return {80, 443, *getattr(settings, "AMORCE_WEBHOOKS_PORTS", ())}


def resolve_timeout():
    """Seconds a name may take to resolve, unless the caller asks for less."""
    return float(getattr(settings, "AMORCE_WEBHOOKS_RESOLVE_TIMEOUT", 3))


def carried(ip):
    """``ip`` and the IPv4 addresses it carries (mapped, 6to4, both of Teredo)."""
    found = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            found.append(ip.ipv4_mapped)
        if ip.sixtofour:
            found.append(ip.sixtofour)
        if ip.teredo:
            found.extend(ip.teredo)
    return found


def is_public(address):
    return all(
        ip.is_global
        and not (
            ip.is_private
            or ip.is_loopback
            or ip.is_link_local
            or ip.is_reserved
            or ip.is_multicast
            or ip.is_unspecified
        )
        for ip in carried(ipaddress.ip_address(address))
    )


def getaddrinfo(host, port, timeout):
    """``socket.getaddrinfo``, given up after ``timeout`` seconds (it has no timeout)."""
    outcome = {}

    def lookup():
        try:
            outcome["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as failure:
            outcome["error"] = failure

    thread = threading.Thread(target=lookup, daemon=True)
    thread.start()
    thread.join(timeout)
    if "infos" in outcome:
        return outcome["infos"]
    raise outcome.get("error") or TimeoutError(f"DNS lookup of {host} timed out")


def resolve(url, timeout=None):
    """``(scheme, host, port, path, [addresses])`` of ``url``, every address checked.

    Raises ``TargetRefused``; ``TimeoutError`` if the name takes longer than
    ``timeout`` seconds to resolve (``resolve_timeout()`` when not given).
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused(_("L'adresse doit commencer par http:// ou https://."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise TargetRefused(_("Le port de cette adresse n'est pas valide.")) from None
    if timeout is None:
        timeout = resolve_timeout()
    try:
        infos = getaddrinfo(parts.hostname, port, timeout)
    except TimeoutError:
        raise
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
    if not allow_private() and port not in allowed_ports():
        raise TargetRefused(
            _(
                "Le port %(port)s n'est pas autorisé : utilisez 80 (http) ou 443 (https)."
            )
            % {"port": port}
        )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return parts.scheme, parts.hostname, port, path, addresses
