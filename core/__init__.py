"""The ground every app stands on, and that knows no app.

Admin views scoped to what a user may see (``scoping``), what may be deleted
(``deletion``), one-line texts (``text``), counting attempts (``throttle``),
the PDF engine (``pdf``), the security middleware and the throttled sign-in
(``security``, ``middleware``), the layout of our admin screens (``views``).
Apps register what this layer needs to know of them (deletion rules); nothing
here imports them. Which site a user works on is ``cms_pages.sites``: it reads
the sites' groups, which the pages app holds.
"""
