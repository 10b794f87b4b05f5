"""Whole public pages kept in Django's cache for visitors who carry no session.

On a call's last day every agent reloads its page: rendering it each time
(header, menu, identity, criteria, calendar, footer) cost several times a bare
Wagtail page. A page type opts in (``page_cache = True``, marked by the app's
``before_serve_page`` hook through ``mark_cacheable``); its response is kept
when nothing in it belongs to one visitor, and served again by
``PageCacheMiddleware`` before sessions, authentication and Wagtail's routing:
a hit reads the cache, never the database.

What is never kept: another status than 200, a response that sets a cookie or
used the CSRF token, a session that holds anything or was changed, messages,
a signed-in user, a preview, a view's own CSP, a response marked private, or a
request a view or block marked ``mark_uncacheable`` (counts that change with
every submission). A request with a query string, a session or messages cookie
is neither served from nor stored in the cache.

What makes an entry stale, precisely:
- a generation, one for all sites and one per site, read before the page is
  rendered and renewed by ``bump`` when anything the pages read is saved
  (pages, site settings, sites, images, documents, view restrictions, and the
  models the apps register with ``invalidate_on``) or after ``migrate`` (a
  deployment). An entry rendered while a change was saved carries the older
  generation: it is never served.
- the next moment a page changes by itself (a call opening or closing, to the
  second), given by the functions the apps put in ``TRANSITIONS``: an entry is
  not served from that moment on.
- ``AMORCE_PAGE_CACHE_SECONDS`` at most (0 switches the cache off).

The CSP nonce stays unique per response: the stored body's nonce is replaced
with the request's own, which the policy header then carries.
"""

import datetime as dt
import hashlib
import logging
import secrets
import time
from functools import partial

from django.apps import apps
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.memcached import BaseMemcachedCache
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import DisallowedHost
from django.db import connections, router, transaction
from django.db.models.signals import post_delete, post_migrate, post_save
from django.http import HttpResponse
from django.utils import timezone
from wagtail.contrib.settings.models import BaseSiteSetting
from wagtail.models import Page, Site

logger = logging.getLogger("core.pagecache")

PREFIX = "amorce-page:"
ALL_SITES = "all"
DEFAULT_SECONDS = 300

# Functions of (moment) giving the first moment after it at which some public
# page shows something else by itself (a call opening or closing), or None.
TRANSITIONS = []

# Fields a draft or a lock changes on a page, not what the public sees.
DRAFT_FIELDS = frozenset(
    {
        "draft_title",
        "has_unpublished_changes",
        "latest_revision",
        "latest_revision_created_at",
        "locked",
        "locked_at",
        "locked_by",
    }
)

# The models whose changes make entries stale (``invalidate_on``).
_WATCHED = []


def cache_seconds():
    return int(getattr(settings, "AMORCE_PAGE_CACHE_SECONDS", DEFAULT_SECONDS) or 0)


# --- Marks set while a page is served ----------------------------------------


def mark_cacheable(request, site):
    """The page being served may be kept: read ``site``'s generations now, before rendering."""
    if cache_seconds() <= 0 or not _eligible(request) or site is None:
        return
    try:
        generations = _generations(site.pk, create=True)
    except Exception:  # the cache does not answer: the page is served, not kept
        logger.exception("Page cache: generations unreadable")
        return
    request._amorce_page_cache = {
        "site": site.pk,
        "generations": generations,
        "started": timezone.now(),
    }


def mark_uncacheable(request):
    """What is being rendered belongs to this moment or this visitor: keep nothing."""
    if request is not None:
        request.amorce_uncacheable = True


# --- Generations ---------------------------------------------------------------


def _generation_keys(site_id):
    return [f"{PREFIX}gen:{ALL_SITES}", f"{PREFIX}gen:{site_id}"]


def _generations(site_id, create=False):
    keys = _generation_keys(site_id)
    found = cache.get_many(keys)
    if create:
        for key in keys:
            if key not in found:
                cache.add(key, secrets.token_hex(8), None)
        found = cache.get_many(keys)
    return tuple(found.get(key) for key in keys)


def bump(site_id=None):
    """Make the entries of ``site_id`` (of every site when None) stale.

    Now, and again once the transaction that saved the change commits: a page
    rendered between the two read the new generation but the data as it was
    before the commit, and must not be served.
    """
    key = f"{PREFIX}gen:{ALL_SITES if site_id is None else site_id}"
    _renew(key)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(partial(_renew, key), robust=True)


def _renew(key):
    # A new random value, never an increment: a value evicted and created
    # again may not meet an old entry's.
    try:
        cache.set(key, secrets.token_hex(8), None)
    except Exception:
        # The cache is down: nothing is read from it either (pages are rendered,
        # nothing is remembered) until it answers, after a change or not.
        logger.exception("page cache: could not renew %s", key)


# --- What a process keeps between requests ---------------------------------------

_REMEMBERED = {}
# Caches every process of a deployment reads: what one saves, the others see.
SHARED_CACHES = (RedisCache, BaseMemcachedCache)


def remembered(site_id, name, build, keep=None):
    """``build()``, kept in this process while nothing of ``site_id`` changes.

    Kept under the site's generations (those of the cached pages): any save of
    what the public pages read, or of a model given to ``invalidate_on``,
    renews them, in every process. One read of the cache instead of a query,
    so only where the cache is not the database; never inside a transaction,
    whose own uncommitted rows would be kept past a rollback; only where the
    cache is shared by every process (Redis, Memcached: a change saved by one
    process reaches the others), never with the per-process memory cache nor
    the database's table (one query would replace the query it saves); a cache
    that does not answer leaves ``build()`` read each time. What ``build``
    returns is shared by the requests of the process: it must not be changed.
    Kept at most as long as a cached page (``AMORCE_PAGE_CACHE_SECONDS``).
    ``keep(value)`` false: that value is returned, not kept (and what was kept
    under ``name`` is dropped), so that names made from what a visitor asks
    keep only what is worth it.
    """
    if (
        site_id is None
        or not isinstance(caches["default"], SHARED_CACHES)
        or transaction.get_connection().in_atomic_block
    ):
        return build()
    try:
        generations = _generations(site_id, create=True)
    except Exception:
        logger.exception("page cache: generations unreadable, %s read again", name)
        return build()
    kept = _REMEMBERED.get((site_id, name))
    now = time.monotonic()
    if (
        kept is not None
        and kept[0] == generations
        and None not in generations
        and now < kept[2]
    ):
        return kept[1]
    value = build()
    if keep is None or keep(value):
        # No longer than a cached page: a change no signal reported (a raw
        # update, a page under two nested sites) is read again at the latest then.
        _REMEMBERED[(site_id, name)] = (generations, value, now + cache_seconds())
    else:
        _REMEMBERED.pop((site_id, name), None)
    return value


def _site_id_of_page(page):
    url_path = page.url_path or ""
    for root in Site.get_site_root_paths():  # most specific first, cached by Wagtail
        if url_path.startswith(root.root_path):
            return root.site_id
    return None


def _page_changed(page, update_fields=None):
    if update_fields and set(update_fields) <= DRAFT_FIELDS:
        return  # a draft saved, a page locked: the public page is the same
    site_id = _site_id_of_page(page)
    bump(site_id)  # None (a page under no site): every site


def page_changed(page):
    """``page``'s row was changed without a signal (a queryset's update): its
    site's entries and kept values are stale."""
    _page_changed(page)


def _on_save(sender, instance, update_fields=None, **kwargs):
    if isinstance(instance, Page):
        _page_changed(instance, update_fields)
    elif isinstance(instance, BaseSiteSetting):
        bump(instance.site_id)
    else:
        bump()


def _on_delete(sender, instance, **kwargs):
    _on_save(sender, instance)


def _on_page_signal(sender, instance, **kwargs):
    _page_changed(instance)


def _on_move(sender, **kwargs):
    bump()  # the page may have left one site for another


def _on_migrate(sender, **kwargs):
    """A deployment: templates and code may have changed."""
    if _cache_table_missing():
        # The release step runs ``createcachetable`` after ``migrate``: on a
        # new database there is no table yet, and nothing was kept.
        return
    bump()


def _cache_table_missing():
    backend = caches["default"]
    if not isinstance(backend, DatabaseCache):
        return False
    connection = connections[router.db_for_write(backend.cache_model_class)]
    return backend._table not in connection.introspection.table_names()


def invalidate_on(*models):
    """Any save or deletion of these models (or of their concrete subclasses)
    makes entries stale: a page's or a site setting's, its site's; others
    (a webhook endpoint, which may move from one site to another), every site's.

    Connected model by model, never to every model: a receiver for all would
    stop Django's fast deletion of rows nobody listens to (candidatures).
    """
    for model in apps.get_models():
        if issubclass(model, models) and model not in _WATCHED:
            _WATCHED.append(model)
            uid = f"amorce-pagecache-{model._meta.label_lower}"
            post_save.connect(_on_save, sender=model, dispatch_uid=uid + "-save")
            post_delete.connect(_on_delete, sender=model, dispatch_uid=uid + "-delete")


def connect_invalidation():
    """Connect the signals that make entries stale (once, from an app's ``ready``)."""
    from wagtail.contrib.settings.models import BaseGenericSetting
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.models import CollectionViewRestriction, PageViewRestriction
    from wagtail.signals import page_published, page_unpublished, post_page_move

    invalidate_on(
        Page,
        BaseSiteSetting,
        Site,
        BaseGenericSetting,
        PageViewRestriction,
        CollectionViewRestriction,
        get_image_model(),
        get_document_model(),
    )
    page_published.connect(_on_page_signal, dispatch_uid="amorce-pagecache-publish")
    page_unpublished.connect(_on_page_signal, dispatch_uid="amorce-pagecache-unpublish")
    post_page_move.connect(_on_move, dispatch_uid="amorce-pagecache-move")
    post_migrate.connect(_on_migrate, dispatch_uid="amorce-pagecache-migrate")


# --- The entries -------------------------------------------------------------


def _eligible(request):
    """Whether this request may be answered from, and stored in, the cache."""
    if request.method not in ("GET", "HEAD") or request.META.get("QUERY_STRING"):
        return False
    if getattr(request, "is_preview", False) or getattr(request, "is_dummy", False):
        return False
    if "HTTP_AUTHORIZATION" in request.META:
        return False
    cookies = request.COOKIES
    return not (
        settings.SESSION_COOKIE_NAME in cookies
        or getattr(settings, "MESSAGE_COOKIE_NAME", "messages") in cookies
    )


def _entry_key(request):
    name = "\n".join((request.scheme, request.get_host(), request.path))
    return PREFIX + "page:" + hashlib.sha256(name.encode()).hexdigest()


def _next_transition(moment):
    moments = [found for find in TRANSITIONS if (found := find(moment)) is not None]
    return min(moments, default=None)


def _private(response):
    control = response.get("Cache-Control", "").lower()
    if any(word in control for word in ("private", "no-store", "no-cache")):
        return True
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    return bool(vary - {"cookie"})


def _storable(request, response):
    """Whether nothing in this response belongs to this visitor or to this instant."""
    if request.method != "GET" or getattr(request, "amorce_uncacheable", False):
        return False  # a HEAD's body may be left out: kept from a GET only
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False  # the CSRF token is in the page
    session = getattr(request, "session", None)
    if session is not None and (session.modified or not session.is_empty()):
        return False
    user = getattr(request, "_cached_user", None)
    if user is not None and user.is_authenticated:
        return False
    storage = getattr(request, "_messages", None)
    if storage is not None and (
        getattr(storage, "_queued_messages", None)
        or getattr(storage, "_loaded_data", None)
    ):
        return False
    if any(name.startswith("_csp") for name in vars(response)):
        return False  # a view's own policy (django-csp's decorators)
    return not _private(response)


def _store(request, response, key, mark):
    started = mark["started"]
    until = started + dt.timedelta(seconds=cache_seconds())
    transition = _next_transition(started)
    if transition is not None:
        until = min(until, transition)
    timeout = (until - timezone.now()).total_seconds()
    if timeout <= 0:
        return  # the page changed by itself while it was rendered
    nonce = getattr(request, "csp_nonce", None)
    entry = {
        "status": response.status_code,
        "headers": [
            (name, value)
            for name, value in response.items()
            if name.lower() != "content-length"
        ],
        "content": response.content,
        "nonce": str(nonce) if nonce else "",
        "site": mark["site"],
        "generations": mark["generations"],
        "until": until,
    }
    cache.set(key, entry, int(timeout) + 1)


def _from_entry(request, entry):
    content = entry["content"]
    nonce = getattr(request, "csp_nonce", None)
    if entry["nonce"] and nonce:
        content = content.replace(entry["nonce"].encode(), str(nonce).encode())
    response = HttpResponse(content, status=entry["status"])
    for name, value in entry["headers"]:
        response[name] = value
    response["X-Amorce-Cache"] = "hit"
    return response


class PageCacheMiddleware:
    """Serves the pages kept by ``_store``, with no SQL query; keeps the new ones.

    Placed after the CSP middleware (a hit gets this request's nonce and its
    policy header) and before sessions, CSRF, authentication and messages,
    which a hit does not need.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if cache_seconds() <= 0 or not _eligible(request):
            return self.get_response(request)
        try:
            key = _entry_key(request)
        except DisallowedHost:
            return self.get_response(request)  # refused further on, as usual
        try:
            entry = cache.get(key)
            if (
                entry is not None
                and timezone.now() < entry["until"]
                and _generations(entry["site"]) == entry["generations"]
            ):
                return _from_entry(request, entry)
        except Exception:  # the cache does not answer: the page is rendered
            logger.exception("Page cache: entry unreadable")
        response = self.get_response(request)
        mark = getattr(request, "_amorce_page_cache", None)
        if mark is not None and _storable(request, response):
            try:
                _store(request, response, key, mark)
            except Exception:
                logger.exception("Page cache: entry not stored")
            else:
                response["X-Amorce-Cache"] = "miss"
        return response
