"""The jury books kept ready while the jury scores: drawn in the background.

A jury book is joined from parts kept while they do not change (each
dossier with its evaluations, the front matter, the page numbers:
``cms_pages.pdf.render_joined_pdf``). After an evaluation, a member, an
assignment, the round's settings or its list of dossiers change, a task
draws, ``AMORCE_JURY_BOOK_PREPARE_DELAY`` seconds later, the parts of the
round's book and of each member's copy that changed: the book asked at the
meeting is then joined from kept parts, not drawn. Changes within the delay
are prepared by one run; one made while a run is under way asks for another,
after it (one run at a time per round, below the exports on the queue).

Parts are kept a week. Each night, ``manage.py prepare_jury_books`` asks for
a run that also keeps what it finds a week more (``renew``), for every round
not closed whose meeting is not a week past: a round that stays quiet longer
than a week (scores in, the meeting later) still has its book ready, and
what changed without a signal (an applicant's correction, a bulk
assignment) is drawn too. A closed round is not prepared. Nothing depends
on it but speed: a part not prepared is drawn when the book is asked, from
what the book shows then.

On when a task worker runs (``AMORCE_JURY_BOOK_PREPARE``, by default
whenever tasks are not run inline by the request, as in development and the
tests, and the cache is shared: Redis or the database, not a process's memory).
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django_tasks import default_task_backend, task

from selection.models import Assignment, Evaluation, ReviewRound, RoundMember
from selection.sync import dossiers_change

from .pdf import prepare_jury_books


def enabled():
    setting = getattr(settings, "AMORCE_JURY_BOOK_PREPARE", None)
    if setting is not None:
        return setting
    # A queue, not inline; and a cache the worker shares with the web nodes.
    return default_task_backend.supports_defer and not isinstance(
        caches["default"], LocMemCache
    )


def _queued_key(round_id, renew=False):
    return f"amorce:jury-books:queued:{round_id}{':renew' if renew else ''}"


def _running_key(round_id):
    return f"amorce:jury-books:running:{round_id}"


def request(round_id, renew=False):
    """Ask for the round's books to be prepared, once per delay (after commit);
    ``renew``: what was kept already is kept a week more (the nightly run)."""
    delay = getattr(settings, "AMORCE_JURY_BOOK_PREPARE_DELAY", 30)
    if not cache.add(_queued_key(round_id, renew), True, delay + 3600):
        return  # a run is queued and has not started: it will see this change
    task = prepare_jury_books_task
    if delay and default_task_backend.supports_defer:
        task = task.using(run_after=timezone.now() + timedelta(seconds=delay))
    task.enqueue(round_id, renew)


#: Below the exports a person waits for, on the same queue.
PRIORITY = -10


class Superseded(Exception):
    """Another run took the round over: this one stops."""


#: How long a run's « under way » mark lasts unless renewed: it is renewed
#: before each copy (the round's book, each member's), which takes seconds
#: to a minute or two; a worker killed mid-run leaves a mark that lapses
#: within this time, and the round is prepared again by the next request.
#: The mark holds the run's own token: a run only renews or removes its own.
LEASE_SECONDS = 600


@task(priority=PRIORITY)
def prepare_jury_books_task(round_id, renew=False):
    """What changed in the round's books drawn and kept (``renew``: and what
    was kept, kept a week more); one run at a time per round
    (``LEASE_SECONDS``): a run that finds another under way asks for one
    after it. A closed round is not prepared: its parts lapse."""
    # From now on a change queues another run: this one may not see it.
    cache.delete(_queued_key(round_id, renew))
    running, mine = _running_key(round_id), uuid.uuid4().hex
    if not cache.add(running, mine, LEASE_SECONDS):
        if default_task_backend.supports_defer:  # inline, it would call itself
            request(round_id, renew)
        return

    def renew_lease():
        # Another run took the round over (this one overran its lease): it
        # draws all that changed; this one stops rather than draw it twice.
        if cache.get(running) != mine:
            raise Superseded
        cache.touch(running, LEASE_SECONDS)

    try:
        review_round = (
            ReviewRound.objects.filter(pk=round_id, closed_at__isnull=True)
            .select_related("call")
            .first()
        )
        if review_round is not None:
            prepare_jury_books(review_round, before_each=renew_lease, renew=renew)
    except Superseded:
        pass
    finally:
        if cache.get(running) == mine:  # not another run's mark
            cache.delete(running)


def _after_commit(*round_ids):
    if not enabled():
        return
    for round_id in {pk for pk in round_ids if pk is not None}:
        # robust: the change is saved; a queue that fails only costs speed.
        transaction.on_commit(lambda round_id=round_id: request(round_id), robust=True)


@receiver(post_save, sender=Evaluation, dispatch_uid="exports.prepare_after_save")
@receiver(post_delete, sender=Evaluation, dispatch_uid="exports.prepare_after_delete")
@receiver(post_save, sender=RoundMember, dispatch_uid="exports.prepare_member")
@receiver(post_delete, sender=RoundMember, dispatch_uid="exports.prepare_member_gone")
@receiver(post_save, sender=Assignment, dispatch_uid="exports.prepare_assignment")
@receiver(
    post_delete, sender=Assignment, dispatch_uid="exports.prepare_assignment_gone"
)
def round_part_changed(sender, instance, raw=False, **kwargs):
    """An evaluation, a member or an assignment: the round's books change,
    before the first evaluation as after (a book printed before scoring)."""
    if not raw:
        _after_commit(instance.round_id)


@receiver(post_save, sender=ReviewRound, dispatch_uid="exports.prepare_round")
def round_changed(sender, instance, raw=False, created=False, **kwargs):
    """The round's own settings show on the cover (its kind, its meeting)."""
    if not raw and not created:
        _after_commit(instance.pk)


@receiver(
    m2m_changed,
    sender=ReviewRound.candidatures.through,
    dispatch_uid="exports.prepare_dossiers",
)
def round_dossiers_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """Dossiers put in the round or taken out, from either side."""
    if not enabled():  # the change read costs a query when a round is cleared
        return
    change = dossiers_change(instance, action, reverse, pk_set)
    if change is not None:
        _after_commit(*change[0])
