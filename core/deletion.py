"""What may be deleted, said once per model and enforced on every path.

A selection is contestable: what was received, who scored what and what was
decided must still be there when a refused applicant appeals. Each app states
why an object of its own may not be deleted, as a *rule*: a function of the
instance that returns a French message, or ``None`` when it may go::

    @deletion_rule(ReviewRound)
    def round_with_evaluations(review_round):
        if review_round.evaluations.exists():
            return _("Ce tour a des évaluations : …")

A rule is enforced

- at the database layer: a ``pre_delete`` receiver refuses the deletion
  (``DeletionRefused``) whatever asked for it (an admin view, Wagtail's API, a
  cascade from a parent, a script), inside the deletion's transaction, so
  nothing is half-deleted;
- in the admin, before anything is written or logged: the hooks below show
  the message where the delete button was pressed, and the middleware turns a
  refusal met deeper down into the same message;
- through Wagtail's API, whose page deletion is checked before it logs.

A deliberate deletion of what a rule protects (the demo's reset, nothing an
admin screen offers) runs inside ``deletions_allowed(reason)``, which is
logged. Erasing personal data never deletes a protected row: it empties it
(see ``privacy.services``).
"""

import logging
import threading
from contextlib import contextmanager
from urllib.parse import urlsplit

from django.contrib import messages
from django.db.models.signals import pre_delete
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from wagtail.actions.delete_page import DeletePageAction, DeletePagePermissionError
from wagtail.models import Page

logger = logging.getLogger("core.deletion")

_rules = {}
_state = threading.local()


class Refused(Exception):  # noqa: N818 - reads as what happened
    """A change that would rewrite what a selection rests on; ``message`` says why, in French.

    Not a ``PermissionDenied``: Wagtail's admin would replace the message with
    its generic « permission denied ». ``RefusedChangeMiddleware`` shows it.
    """

    title = _("Modification refusée")

    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)


class DeletionRefused(Refused):
    """A deletion a rule forbids."""

    title = _("Suppression refusée")


def deletion_rule(model):
    """Register the decorated function as a reason ``model``'s instances stay."""

    def register(rule):
        if model not in _rules:
            _rules[model] = []
            pre_delete.connect(
                _refuse,
                sender=model,
                weak=False,
                dispatch_uid=f"core.deletion.{model._meta.label}",
            )
        _rules[model].append(rule)
        return rule

    return register


def why_not_deletable(instance):
    """The first reason a rule gives for keeping ``instance``, or None."""
    for klass in type(instance).__mro__:
        for rule in _rules.get(klass, ()):
            message = rule(instance)
            if message:
                return str(message)
    return None


def check_deletable(instance):
    """Raise ``DeletionRefused`` when a rule keeps ``instance``."""
    message = why_not_deletable(instance)
    if message:
        raise DeletionRefused(message)


def page_models_with_rules():
    """The page models some rule protects (a page's deletion takes its subtree)."""
    return [model for model in _rules if issubclass(model, Page)]


def why_page_not_deletable(page):
    """Why ``page`` and its subtree may not be deleted, or None."""
    for model in page_models_with_rules():
        for protected in model.objects.descendant_of(page, inclusive=True):
            message = why_not_deletable(protected)
            if message:
                return message
    return None


@contextmanager
def deletions_allowed(reason):
    """Let the rules step aside for a deliberate deletion, with a trace in the log."""
    logger.warning("Deletion rules lifted: %s", reason)
    previous = getattr(_state, "allowed", None)
    _state.allowed = reason
    try:
        yield
    finally:
        _state.allowed = previous


def _refuse(sender, instance, **kwargs):
    if getattr(_state, "allowed", None):
        return
    check_deletable(instance)


# Wagtail's admin and API -----------------------------------------------------
# Registered as hooks by the lowest app (cms_pages/wagtail_hooks.py): they know
# the rules, not the apps that wrote them.


def refused_response(request, message, fallback_url):
    messages.error(request, message)
    target = request.META.get("HTTP_REFERER", "")
    if urlsplit(target).path == request.path or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        # Confirmed on its own page (« …/delete/5/ »): back to what it listed.
        before, found, _after = request.path.partition("/delete/")
        target = f"{before}/" if found else fallback_url
    return redirect(target)


def _explorer_url(page):
    parent = page.get_parent()
    return reverse("wagtailadmin_explore", args=[parent.pk if parent else page.pk])


def before_delete_page(request, page):
    message = why_page_not_deletable(page)
    if message:
        return refused_response(request, message, _explorer_url(page))
    return None


def before_delete_objects(request, instances):
    for instance in instances:
        message = why_not_deletable(instance)
        if message:
            return refused_response(
                request, f"{instance} : {message}", reverse("wagtailadmin_home")
            )
    return None


def before_delete_user(request, user):
    return before_delete_objects(request, [user])


def before_bulk_action(request, action_type, objects, action_class_instance):
    if action_type != "delete":
        return None
    for instance in objects:
        if isinstance(instance, Page):
            message = why_page_not_deletable(instance)
            if message:
                return refused_response(
                    request, f"{instance.title} : {message}", _explorer_url(instance)
                )
    return before_delete_objects(
        request, [obj for obj in objects if not isinstance(obj, Page)]
    )


def register_checked_page_deletion(registry):
    """Wagtail's API deletes a page after logging it: check the rules first."""

    class CheckedDeletePageAction(DeletePageAction):
        def execute(self, *args, skip_permission_checks=False, **kwargs):
            # Who may not delete the page learns nothing of what it holds.
            self.check(skip_permission_checks=skip_permission_checks)
            message = why_page_not_deletable(self.page)
            if message:
                raise DeletePagePermissionError(message)
            return super().execute(
                *args, skip_permission_checks=skip_permission_checks, **kwargs
            )

    registry.register(Page, CheckedDeletePageAction)


class RuleCheckedDeleteMixin:
    """For a generic admin DeleteView: say why before asking to confirm."""

    def dispatch(self, request, *args, **kwargs):
        message = why_not_deletable(self.object)
        if message:
            return refused_response(request, message, reverse(self.index_url_name))
        return super().dispatch(request, *args, **kwargs)
