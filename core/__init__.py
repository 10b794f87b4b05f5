"""The ground every app stands on, and that knows no app.

Which site a user works on and what that lets them see (``sites``), admin
views scoped to it (``scoping``), what may be deleted (``deletion``), one-line
texts (``text``), the PDF engine (``pdf``), the security middleware and the
throttled sign-in (``security``, ``middleware``), the scoped reports of
Wagtail (``reports``, ``history``). Apps register what this layer needs to
know of them (deletion rules, site-scoped models); nothing here imports them.
"""
