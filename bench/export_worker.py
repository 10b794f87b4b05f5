"""One export measurement, in a fresh process (so that peak memory is its own).

    python bench/export_worker.py seed 10000
    python bench/export_worker.py ours xlsx
    python bench/export_worker.py stock csv

Prints one JSON line: seconds, peak memory above the process's baseline (MiB),
bytes written, rows.
"""

import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "site")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amorce.settings.production")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.test import RequestFactory  # noqa: E402

FIELDS = [
    ("Intitulé du problème", "singleline"),
    ("Le problème", "multiline"),
    ("Ses conséquences pour les usagers", "multiline"),
    ("Personnes concernées", "dropdown"),
    ("Depuis quand ?", "date"),
    ("Ce qui a déjà été tenté", "multiline"),
    ("Votre idée de solution", "multiline"),
    ("Partenaires envisagés", "multiline"),
    ("Données disponibles", "multiline"),
    ("Votre rôle", "singleline"),
    ("Disponibilité", "radio"),
    ("Site web du service", "url"),
]
CHOICES = "Moins de 1 000\nDe 1 000 à 100 000\nPlus de 100 000"
LONG = (
    "Les usagers doivent se déplacer plusieurs fois pour une même démarche, faute d'information "
    "claire sur les pièces à fournir ; les agents passent une part croissante de leur temps à "
    "répondre au téléphone plutôt qu'à instruire les dossiers. "
)


def rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def form_page():
    from forms.models import CandidatureFormPage

    return CandidatureFormPage.objects.get(slug="formulaire-export")


def clear_bench_candidatures(page):
    """The previous size's rows, gone before the next is seeded.

    The product refuses to delete candidatures and what the jury wrote
    (``core.deletion``): the bench lifts its rules for its own throwaway rows,
    and deletes what points at them first.
    """
    from core.deletion import deletions_allowed
    from forms.models import Candidature
    from investigations.models import Investigation
    from selection.models import Evaluation, Notification, ReviewRound

    with deletions_allowed("bench: reseeding the bench form"):
        Investigation.objects.filter(candidature__page=page).delete()
        Evaluation.objects.filter(candidature__page=page).delete()
        Notification.objects.filter(candidature__page=page).delete()
        ReviewRound.objects.filter(call=page.call, kind="selection").delete()
        Candidature.objects.filter(page=page).delete()


def seed(count):
    """A form with 12 fields and ``count`` candidatures with long answers."""
    from django.utils import timezone

    from cms_pages.models import CallPage
    from forms.models import Candidature, CandidatureFormField, CandidatureFormPage

    call = CallPage.objects.get(slug="appel-a-candidatures")
    page = CandidatureFormPage.objects.filter(slug="formulaire-export").first()
    if page is None:
        page = call.add_child(
            instance=CandidatureFormPage(
                title="Formulaire export", slug="formulaire-export"
            )
        )
        for order, (label, kind) in enumerate(FIELDS):
            CandidatureFormField.objects.create(
                page=page,
                sort_order=order,
                label=label,
                field_type=kind,
                choices=CHOICES if kind in ("dropdown", "radio") else "",
                required=False,
            )
    page = CandidatureFormPage.objects.get(pk=page.pk)
    clear_bench_candidatures(page)
    User = get_user_model()
    if not User.objects.filter(username="bench").exists():
        User.objects.create_superuser("bench", "bench@example.org", None)
    definition = page.get_definition()
    names = [f["name"] for f in definition.fields]
    now = timezone.now()
    batch = []
    for index in range(count):
        data = {}
        for (label, kind), name in zip(FIELDS, names, strict=True):
            if kind == "multiline":
                data[name] = f"{index} — " + LONG * 4
            elif kind in ("dropdown", "radio"):
                data[name] = CHOICES.splitlines()[index % 3]
            elif kind == "date":
                data[name] = "2024-05-17"
            elif kind == "url":
                data[name] = "https://service.example.gouv.fr/demarche"
            else:
                data[name] = f"{label} {index}"
        batch.append(
            Candidature(
                page=page,
                call=call,
                reference=f"EXP-2026-{index:05d}",
                definition=definition,
                form_data=data,
                applicant_name=f"Agent {index}",
                # One in ten writes from the address of the one before: likely
                # duplicates for the list to find.
                applicant_email=f"agent{index - (index % 10 == 1)}@example.gouv.fr",
                administration="Préfecture de l'Exemple",
                service="Accueil",
                submit_time=now,
            )
        )
        if len(batch) == 1000:
            Candidature.objects.bulk_create(batch)
            batch = []
    Candidature.objects.bulk_create(batch)
    return {"rows": count}


def clear_round(call):
    from core.deletion import deletions_allowed
    from selection.models import Evaluation, ReviewRound

    with deletions_allowed("bench: reseeding the bench round"):
        Evaluation.objects.filter(round__call=call, round__kind="selection").delete()
        ReviewRound.objects.filter(call=call, kind="selection").delete()


def seed_round(count):
    """A selection round of ``count`` dossiers, three members, every dossier scored."""
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from forms.models import Candidature
    from selection.models import Evaluation, ReviewRound, RoundMember

    page = form_page()
    call = page.call
    clear_round(call)
    review_round = ReviewRound.objects.create(call=call, kind="selection")
    User = get_user_model()
    members = []
    for index in range(3):
        user, _created = User.objects.get_or_create(
            username=f"membre{index}",
            defaults={
                "email": f"m{index}@example.org",
                "first_name": f"Membre {index}",
            },
        )
        # In the jury's group, as a real member: their copy holds their dossiers.
        user.groups.add(Group.objects.get(name="Jury"))
        RoundMember.objects.create(round=review_round, user=user)
        members.append(user)
    dossiers = list(Candidature.objects.filter(page=page).order_by("pk")[:count])
    review_round.candidatures.add(*dossiers)
    criteria = list(call.criteria.all())
    Evaluation.objects.bulk_create(
        Evaluation(
            round=review_round,
            candidature=dossier,
            member=member,
            comment="Avis argumenté. " * 5,
            scores={
                str(c.pk): (c.scale_min + (i + j) % (c.scale_max - c.scale_min + 1))
                for j, c in enumerate(criteria)
            },
            submitted_at=timezone.now(),
        )
        for i, dossier in enumerate(dossiers)
        for member in members
    )
    return {"rows": len(dossiers)}


#: The same dossier drawn again this many times: the best is the drawing's
#: cost, the median what this machine's noise adds (both shown).
DOSSIER_REPEATS = 10


def run_pdf(what):
    """``book``: the jury book with no PDF kept (drawn whole, part by part);
    ``prepare``: nothing kept, then what the task worker draws after the
    evaluations (``exports.preparation``: every part of the book and of each
    member's copy); ``bookprepared``: the book asked after ``prepare`` (joined
    from the kept parts); ``bookagain``: asked again (the joined book reused);
    ``change``: one evaluation's comment changed, then the book, not prepared;
    ``member`` / ``memberprepared`` / ``memberagain``: the first member's copy
    likewise; ``dossier``: one dossier in a worker that warmed the engine up at
    start (``first``), then drawn again (``seconds`` the best, ``median``)."""
    import io
    import statistics

    from django.core.cache import cache
    from pypdf import PdfReader

    from exports.pdf import (
        prepare_jury_books,
        render_candidature_pdf,
        render_jury_book_pdf,
        warm_up,
    )
    from forms.models import Candidature
    from selection.models import Evaluation, ReviewRound

    page = form_page()
    review_round = ReviewRound.objects.get(call=page.call, kind="selection")
    if what == "dossier":
        dossier = (
            Candidature.objects.filter(page=page)
            .select_related("definition", "call")
            .first()
        )
        start = time.perf_counter()
        warm_up()  # as a worker does when it starts (AMORCE_PDF_WARM_UP)
        warm = time.perf_counter() - start
        base = rss_mib()
        start = time.perf_counter()
        content = render_candidature_pdf(dossier)
        first = time.perf_counter() - start
        again = []
        for _index in range(DOSSIER_REPEATS):
            start = time.perf_counter()
            render_candidature_pdf(dossier)
            again.append(time.perf_counter() - start)
        return {
            "warm_up": warm,
            "first": first,
            "seconds": min(again),
            "median": statistics.median(again),
            "peak_mib": rss_mib() - base,
            "bytes": len(content),
            "rows": 1,
            "pages": len(PdfReader(io.BytesIO(content)).pages),
        }
    member = None
    if what.startswith("member"):
        member = review_round.memberships.order_by("pk").first().user
    if what in ("book", "member", "prepare"):
        cache.clear()  # nothing kept from an earlier book: drawn afresh
    if what == "change":
        evaluation = Evaluation.objects.filter(round=review_round).order_by("pk")[50]
        evaluation.comment += " Relu après la réunion de préparation."
        evaluation.save(update_fields=["comment"])
    base = rss_mib()
    start = time.perf_counter()
    if what == "prepare":
        prepare_jury_books(review_round)
        return {
            "seconds": time.perf_counter() - start,
            "peak_mib": rss_mib() - base,
            "rows": review_round.candidatures.count(),
            "copies": 1 + review_round.memberships.count(),
        }
    content = render_jury_book_pdf(review_round, member=member)
    elapsed = time.perf_counter() - start
    peak = rss_mib() - base
    return {
        "seconds": elapsed,
        "peak_mib": peak,
        "bytes": len(content),
        "rows": review_round.candidatures.count(),
        "pages": len(PdfReader(io.BytesIO(content)).pages),
    }


def run_ours(fmt):
    from exports.services import build_resource, export_to

    page = form_page()
    base = rss_mib()
    start = time.perf_counter()
    cpu = time.process_time()
    resource_, total = build_resource(
        "candidatures", {"call": page.call.pk, "page": page.pk}
    )
    with tempfile.TemporaryFile() as output:
        export_to(resource_, fmt, output)
        size = output.tell()
    return {
        "seconds": time.perf_counter() - start,
        "cpu_seconds": time.process_time() - cpu,
        "peak_mib": rss_mib() - base,
        "bytes": size,
        "rows": total,
    }


def run_stock(fmt):
    """Wagtail's own submissions export (SubmissionsListView, ?export=…) on the same page.

    Amorce keeps candidature forms out of Wagtail's stock screens (a hook that
    makes them answer « permission denied »); here that hook is left out, so
    that the stock export runs as it would on a plain Wagtail site.
    """
    from wagtail import hooks

    from forms.wagtail_hooks import hide_candidatures_from_form_listing

    hooks.search_for_hooks()
    hooks._hooks["filter_form_submissions_for_user"] = [
        (function, order)
        for function, order in hooks._hooks["filter_form_submissions_for_user"]
        if function is not hide_candidatures_from_form_listing
    ]
    page = form_page()
    user = get_user_model().objects.filter(is_superuser=True).first()
    request = RequestFactory().get(
        f"/admin/forms/submissions/{page.pk}/", {"export": fmt}
    )
    request.user = user
    base = rss_mib()
    start = time.perf_counter()
    cpu = time.process_time()
    response = page.serve_submissions_list_view(request)
    size = 0
    if hasattr(response, "streaming_content"):
        for chunk in response.streaming_content:
            size += len(chunk)
    else:
        size = len(response.content)
    return {
        "seconds": time.perf_counter() - start,
        "cpu_seconds": time.process_time() - cpu,
        "peak_mib": rss_mib() - base,
        "bytes": size,
        "rows": page.get_submissions().count(),
    }


def main():
    what, arg = sys.argv[1], sys.argv[2]
    if what == "seed":
        result = seed(int(arg))
    elif what == "seedround":
        result = seed_round(int(arg))
    elif what == "pdf":
        form_page().get_submissions().count()
        result = run_pdf(arg)
    else:
        # Warm the connection and the models' caches, then measure from a settled baseline.
        form_page().get_submissions().count()
        result = run_ours(arg) if what == "ours" else run_stock(arg)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
