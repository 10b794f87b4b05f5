"""The PDFs the teams download: a dossier, the jury book, an investigation's synthesis.

Pure functions ``render_<thing>_pdf(...) -> bytes``, drawn by the PDF engine
(``core.pdf``) in the site's name (``cms_pages.pdf``). Applicant text goes
through Django's autoescaping: it is printed, never interpreted as HTML. The
applicant's receipt is the form app's (``forms.receipts``).
"""

import logging

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.template.loader import get_template
from django.urls import get_resolver

from applicants.thread import thread
from cms_pages.models import criteria_lock
from cms_pages.pdf import render_joined_pdf, render_pdf
from core.pdf import warm_up as warm_up_engine
from forms.models import Candidature
from forms.receipts import dossier_context
from investigations.models import chronological
from selection.blind import blind_answers
from selection.models import Evaluation
from selection.permissions import juror_candidatures
from selection.scoring import (
    criteria_of,
    criteria_version,
    ranking_visible_to,
    round_aggregates,
    weighted_score,
)

from . import appendices

logger = logging.getLogger("amorce.exports")


def render_candidature_pdf(candidature, with_thread=False, blind=False):
    """One candidature: identity, status, every answer in form order, attachments
    listed; ``with_thread``: its versions and its thread with the applicant
    (messages, corrections), for the programme team; ``blind``: without the
    applicant's identity, for a member of a blind round (``selection.blind``)."""
    context = dossier_context(candidature)
    if blind:
        context["blind"] = True
        context["answers"] = blind_answers(candidature, context["answers"])
    if with_thread:
        context["thread"] = thread(candidature)
        context["versions"] = list(candidature.versions.all())
    return render_pdf("exports/pdf/dossier.html", context, candidature.call.get_site())


#: The jury book in parts (``cms_pages.pdf.render_joined_pdf``): cover,
#: criteria, contents and ranking; each dossier with its evaluations, drawn
#: apart and kept while it does not change; the page numbers.
JURY_BOOK_TEMPLATES = {
    "front": "exports/pdf/jury_book.html",
    "part": "exports/pdf/jury_book_dossier.html",
    "numbers": "exports/pdf/jury_book_numbers.html",
}


def render_jury_book_pdf(
    review_round, member=None, with_attachments=False, join_parts=True, renew=False
):
    """Cover, criteria, contents, ranked table, then every dossier, pages numbered.

    With ``member``, the member's own book: only the dossiers they read (not
    those they declared a conflict on, nor, when the round assigns dossiers,
    those not assigned to them), only their own scores, nothing derived from
    the others' scores (order, ranks, means) until the round's rule lets them
    see it, and no applicant's identity in a blind round.

    With ``with_attachments``, each dossier's PDF files follow it
    (``exports.appendices``); an unreadable one is named, not added.

    The book is drawn in parts kept while they do not change
    (``cms_pages.pdf.render_joined_pdf``): with ``join_parts=False``, they are
    only drawn and kept, for the book asked next (``prepare_jury_books``);
    with ``renew``, what was kept already is kept a week more.
    """
    criteria = criteria_of(review_round.call)
    aggregates = round_aggregates(review_round)
    show_ranking = True
    blind = member is not None and review_round.blind
    if member is not None:
        readable = set(
            juror_candidatures(member, review_round).values_list("pk", flat=True)
        )
        aggregates = [a for a in aggregates if a.candidature.pk in readable]
        show_ranking = ranking_visible_to(review_round)
        if not show_ranking:
            aggregates.sort(key=lambda a: a.candidature.reference)
    candidature_ids = [a.candidature.pk for a in aggregates]
    evaluations = Evaluation.objects.filter(
        round=review_round,
        candidature_id__in=candidature_ids,
        submitted_at__isnull=False,
        conflict_of_interest=False,
    ).select_related("member")
    if member is not None:
        evaluations = evaluations.filter(member=member)
    by_candidature = {}
    for evaluation in evaluations:
        by_candidature.setdefault(evaluation.candidature_id, []).append(
            {
                "member": evaluation.member.get_full_name()
                or evaluation.member.get_username(),
                "score": weighted_score(evaluation.scores, criteria),
                "scores": [
                    (c.label, evaluation.scores.get(str(c.pk))) for c in criteria
                ],
                "comment": evaluation.comment,
                "criterion_comments": evaluation.comments_by_criterion(criteria),
            }
        )
    candidatures = {
        c.pk: c
        for c in Candidature.objects.filter(pk__in=candidature_ids)
        .select_related("definition", "call")
        .prefetch_related("attachments")
    }
    dossiers = []
    for aggregate in aggregates:
        candidature = candidatures[aggregate.candidature.pk]
        answers = candidature.answers()
        if blind:
            answers = blind_answers(candidature, answers)
        dossiers.append(
            {
                "aggregate": aggregate if show_ranking else None,
                "candidature": candidature,
                "answers": answers,
                "evaluations": by_candidature.get(aggregate.candidature.pk, []),
                "appendices": appendices.plan(answers) if with_attachments else None,
            }
        )
    book = render_joined_pdf(
        JURY_BOOK_TEMPLATES,
        {
            "review_round": review_round,
            "call": review_round.call,
            "criteria": criteria,
            "criteria_version": criteria_version(criteria),
            "criteria_frozen": criteria_lock(review_round.call),
            "show_ranking": show_ranking,
            "dossiers": dossiers,
            "member": member,
            "blind": blind,
            "members": [
                m.user for m in review_round.memberships.select_related("user")
            ],
        },
        dossiers,
        review_round.call.get_site(),
        join_parts=join_parts,
        renew=renew,
        slot=(
            f"jury book {review_round.pk} {member.pk if member else 'team'} "
            f"{'attachments' if with_attachments else 'plain'}"
        ),
    )
    if with_attachments and book is not None:
        return appendices.append_after_dossiers(book, dossiers)
    return book


def prepare_jury_books(review_round, before_each=None, renew=False):
    """Draw and keep the parts of the round's book and of each member's copy
    that changed, so that the book asked next is joined, not drawn
    (``exports.preparation``, after each evaluation); ``before_each()`` is
    called before each of them (the task renews its lease); ``renew``: what
    was kept already is kept a week more (the nightly run)."""
    members = review_round.memberships.filter(removed_at__isnull=True)
    for member in [None] + [
        m.user for m in members.select_related("user").order_by("pk")
    ]:
        if before_each is not None:
            before_each()
        render_jury_book_pdf(review_round, member=member, join_parts=False, renew=renew)


def warm_up():
    """What a process's first PDF would otherwise pay for, paid when it starts
    (``AMORCE_PDF_WARM_UP``): the engine and its fonts, the PDF templates
    compiled, the URLs a site's address is read from (``Page.get_site``: the
    URLconf and its reverse map, and Redis's client, where Wagtail keeps the
    sites' root paths), each about 0.07 s of a first dossier of 0.2 to 0.3 s.
    No database query (it runs while the apps are loaded): the database's
    cache, when there is no Redis, is left to the first PDF."""
    warm_up_engine()
    if isinstance(caches["default"], RedisCache):
        try:  # the client imported and connected (about 0.08 s to import)
            cache.get("amorce:pdf:warm-up")
        except Exception:  # noqa: BLE001 - a cache down now may be up for the first PDF
            logger.warning("cache not reached while warming up", exc_info=True)
    for name in (
        "cms_pages/pdf/base.html",  # what they extend and include, loaded on first use
        "forms/pdf/_answers.html",
        "exports/pdf/dossier.html",
        "exports/pdf/jury_book.html",
        "exports/pdf/jury_book_dossier.html",
        "exports/pdf/jury_book_numbers.html",
        "exports/pdf/investigation.html",
    ):
        get_template(name)
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 - imports the URLconf once
    resolver.reverse_dict  # noqa: B018 - what ``reverse`` reads, built once a language


def render_investigation_pdf(investigation):
    """The synthesis: problem, team, timeline, checkpoints, outcome, recommendations."""
    return render_pdf(
        "exports/pdf/investigation.html",
        {
            "investigation": investigation,
            "organisations": list(investigation.organisations.all()),
            "members": list(investigation.members.all()),
            "checkpoints": sorted(
                investigation.checkpoints.all(), key=lambda c: c.date
            ),
            "phases": chronological(investigation.phases.all()),
            "events": sorted(
                investigation.committee_events.all(), key=lambda e: e.date
            ),
        },
        investigation.site,
    )
