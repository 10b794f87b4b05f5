"""PDFs with WeasyPrint: the dossier, the jury book, the applicant's receipt.

Pure functions ``render_<thing>_pdf(...) -> bytes``. Fonts and images come
from local files only (the DSFR's Marianne, served by django-dsfr): the URL
fetcher refuses anything that is not a file under the project's static
folders, so a PDF never fetches from the network. Applicant text goes
through Django's autoescaping: it is printed, never interpreted as HTML.
"""

from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone

from cms_pages.models import criteria_lock
from forms.models import Candidature
from selection.models import Evaluation
from selection.scoring import (
    criteria_of,
    criteria_version,
    ranking_visible_to,
    round_aggregates,
    weighted_score,
)


def _font_path(name):
    found = finders.find(f"dsfr/dist/fonts/{name}")
    return Path(found).as_uri() if found else ""


def fonts():
    return {
        "regular": _font_path("Marianne-Regular.woff"),
        "bold": _font_path("Marianne-Bold.woff"),
        "italic": _font_path("Marianne-Regular_Italic.woff"),
    }


def pdf_style(identity):
    """The State's typeface and blue for a DSFR site; plain ones for a neutral site."""
    from cms_pages.models import Theme

    if identity.theme == Theme.DSFR:
        return {
            "fonts": fonts(),
            "font_family": '"Marianne", "DejaVu Sans", sans-serif',
            "accent": "#000091",
        }
    return {
        "fonts": {},
        "font_family": '"DejaVu Sans", sans-serif',
        "accent": "#1f3a5f",
    }


def _allowed_roots():
    """The folders a PDF may read from: the static files of the project and its apps."""
    roots = set()
    for finder in finders.get_finders():
        for storage in getattr(finder, "storages", {}).values():
            if getattr(storage, "location", None):
                roots.add(Path(storage.location).resolve())
        for location in getattr(finder, "locations", []):
            roots.add(
                Path(location[1] if isinstance(location, tuple) else location).resolve()
            )
    return roots


def local_only_fetcher():
    """WeasyPrint's fetcher, restricted to local files under the static folders."""
    from weasyprint.urls import URLFetcher

    roots = _allowed_roots()

    class LocalFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            # Decoded as the fetcher would read it, then checked, then read as
            # checked: « %2e%2e » cannot climb out of the allowed folders.
            parts = urlsplit(url)
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                raise ValueError(f"refused resource: {url[:80]}")
            path = Path(url2pathname(parts.path)).resolve()
            if not any(path.is_relative_to(root) for root in roots):
                raise ValueError(f"refused resource: {url[:80]}")
            return super().fetch(path.as_uri(), headers)

    return LocalFetcher(allowed_protocols=["file"])


def html_to_pdf(html):
    from weasyprint import HTML

    return HTML(
        string=html, base_url=None, url_fetcher=local_only_fetcher()
    ).write_pdf()


def _render(template, context, site=None):
    from cms_pages.models import SiteIdentity

    identity = SiteIdentity.for_site_or_defaults(site)
    context = {
        **pdf_style(identity),
        "identity": identity,
        "generated_at": timezone.localtime(),
        **context,
    }
    return html_to_pdf(render_to_string(template, context))


def dossier_context(candidature):
    return {
        "candidature": candidature,
        "answers": candidature.answers(),
        "call": candidature.call,
    }


def render_candidature_pdf(candidature):
    """One candidature: identity, status, every answer in form order, attachments listed."""
    return _render(
        "exports/pdf/dossier.html",
        dossier_context(candidature),
        candidature.call.get_site(),
    )


def render_receipt_pdf(candidature):
    """The applicant's receipt: reference, date, their answers."""
    return _render(
        "exports/pdf/receipt.html",
        dossier_context(candidature),
        candidature.call.get_site(),
    )


def render_jury_book_pdf(review_round, member=None):
    """Cover, criteria, contents, ranked table, then every dossier, pages numbered.

    With ``member``, the member's own book: their conflicted dossiers are left
    out, only their own scores are shown, and nothing derived from the others'
    scores (order, ranks, means) until the round's rule lets them see it.
    """
    criteria = criteria_of(review_round.call)
    aggregates = round_aggregates(review_round)
    show_ranking = True
    if member is not None:
        own = dict(
            Evaluation.objects.filter(round=review_round, member=member).values_list(
                "candidature_id", "submitted_at"
            )
        )
        conflicted = set(
            Evaluation.objects.filter(
                round=review_round, member=member, conflict_of_interest=True
            ).values_list("candidature_id", flat=True)
        )
        aggregates = [a for a in aggregates if a.candidature.pk not in conflicted]
        pending = sum(1 for a in aggregates if own.get(a.candidature.pk) is None)
        show_ranking = ranking_visible_to(review_round, member, pending)
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
            }
        )
    candidatures = {
        c.pk: c
        for c in Candidature.objects.filter(pk__in=candidature_ids)
        .select_related("definition", "call")
        .prefetch_related("attachments")
    }
    dossiers = [
        {
            "aggregate": aggregate if show_ranking else None,
            "candidature": candidatures[aggregate.candidature.pk],
            "answers": candidatures[aggregate.candidature.pk].answers(),
            "evaluations": by_candidature.get(aggregate.candidature.pk, []),
        }
        for aggregate in aggregates
    ]
    return _render(
        "exports/pdf/jury_book.html",
        {
            "review_round": review_round,
            "call": review_round.call,
            "criteria": criteria,
            "criteria_version": criteria_version(criteria),
            "criteria_frozen": criteria_lock(review_round.call),
            "show_ranking": show_ranking,
            "dossiers": dossiers,
            "member": member,
            "members": [
                m.user for m in review_round.memberships.select_related("user")
            ],
        },
        review_round.call.get_site(),
    )


def render_investigation_pdf(investigation):
    """The synthesis: problem, team, timeline, checkpoints, outcome, recommendations."""
    return _render(
        "exports/pdf/investigation.html",
        {
            "investigation": investigation,
            "organisations": list(investigation.organisations.all()),
            "members": list(investigation.members.all()),
            "checkpoints": sorted(
                investigation.checkpoints.all(), key=lambda c: c.date
            ),
            "phases": sorted(investigation.phases.all(), key=lambda p: p.starts_on),
            "events": sorted(
                investigation.committee_events.all(), key=lambda e: e.date
            ),
        },
        investigation.site,
    )
