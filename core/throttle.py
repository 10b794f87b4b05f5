"""Counting attempts per client and per subject, in the cache, to refuse floods.

Kept apart from the views that use it (``core.security``): the candidature
pipeline counts refused submissions with it, without loading Wagtail's admin.
"""

import hashlib
import hmac
import math

from django.conf import settings
from django.core.cache import cache


def client_key_for(request):
    """A keyed hash of the client's address: enough to rate-limit, not to identify.

    Behind ``AMORCE_TRUSTED_PROXIES`` reverse proxies, the address is the one
    the outermost trusted proxy saw (from ``X-Forwarded-For``).
    """
    address = request.META.get("REMOTE_ADDR", "")
    proxies = getattr(settings, "AMORCE_TRUSTED_PROXIES", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            address = hops[-proxies]
    return hmac.new(
        settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256
    ).hexdigest()


def bump(key, window, *, sliding=True):
    """One more under ``key`` in the cache.

    ``sliding``: forgotten ``window`` seconds after the last; otherwise after
    the first (a fixed window, that nobody can keep closed by trying again).
    """
    if not cache.add(key, 1, window):
        try:
            cache.incr(key)
        except ValueError:  # expired in between
            cache.set(key, 1, window)
        if sliding:
            cache.touch(key, window)


class Throttle:
    """Counts attempts per subject (a username, an email) and per client address.

    Each count lives in the cache and is forgotten after its window passes
    without a new attempt. Limits are settings of the form (count, seconds);
    a count of 0 switches that limit off.
    """

    def __init__(self, name, subject_limit, address_limit, refusal):
        self.name = name
        self.settings_names = (subject_limit, address_limit)
        self.refusal = refusal  # lazy, plural on "minutes"

    def limits(self):
        return [getattr(settings, name) for name in self.settings_names]

    def keys(self, request, subject):
        normalised = (subject or "").strip().casefold()
        subject_hash = hashlib.sha256(normalised.encode()).hexdigest()
        return (
            f"amorce:{self.name}:subject:{subject_hash}",
            f"amorce:{self.name}:address:{client_key_for(request)}",
        )

    def blocked_for(self, request, subject):
        """The window, in seconds, of the limit reached; None when none is."""
        keys = self.keys(request, subject)
        counts = cache.get_many(keys)
        for key, (limit, window) in zip(keys, self.limits(), strict=True):
            if limit and counts.get(key, 0) >= limit:
                return window
        return None

    def record(self, request, subject):
        for key, (limit, window) in zip(
            self.keys(request, subject), self.limits(), strict=True
        ):
            if limit:
                bump(key, window)

    def forget_subject(self, request, subject):
        cache.delete(self.keys(request, subject)[0])

    def refusal_message(self, window):
        return self.refusal % {"minutes": math.ceil(window / 60)}
