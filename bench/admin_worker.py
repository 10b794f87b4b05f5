"""Queries and time per admin list page, at each of the given sizes, in one process.

    python bench/admin_worker.py 100 10000

For each size: ``size`` candidatures (12 fields, long answers, statuses spread
over the workflow), a selection round holding all of them and scored by three
members, ``size`` investigations and ``size`` export jobs. Each page is then
served by its real view through Django's test client, logged in as a member
of the programme team (the juror's pages as a juror). Prints one JSON line:
{size: {page: {"queries", "ms", "bytes", "rows"}}}; ``ms`` is the best of a
few requests after a warm-up, ``rows`` the dossiers, investigations or jobs
the page shows. ``BENCH_ADMIN_ONLY=ranking,dashboard`` times only those pages.
"""

import datetime as dt
import json
import os
import re
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH.parent), str(BENCH.parent / "site"), str(BENCH)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amorce.settings.production")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from export_worker import form_page, seed, seed_round  # noqa: E402

REPEATS = int(os.environ.get("BENCH_ADMIN_REPEATS", "15"))
BUDGET = float(os.environ.get("BENCH_ADMIN_BUDGET", "20"))  # seconds per page and size
REFERENCE = re.compile(rb"EXP-2026-\d{5}")
ONLY = {key for key in os.environ.get("BENCH_ADMIN_ONLY", "").split(",") if key}


def user_in(group, username):
    User = get_user_model()
    user, _created = User.objects.get_or_create(
        username=username, defaults={"email": f"{username}@equipe.example.org"}
    )
    user.groups.add(Group.objects.get(name=group))
    return user


def prepare(count, programme):
    """The data at this size, replacing the previous size's."""
    from cms_pages.choices import PhaseCode
    from core.deletion import deletions_allowed
    from exports.models import ExportJob
    from forms.choices import Status
    from forms.models import Candidature
    from investigations.models import CommitteeEvent, Investigation, Phase
    from selection.models import Notification

    seed(count)
    page = form_page()
    ids = list(
        Candidature.objects.filter(page=page)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # The same proportions at every size, large enough for a filtered page to
    # be full at the smaller size too (50 rows shown at 100 and at 10,000): the
    # two sizes then differ by the table only, not by the rows drawn. Half of
    # the candidatures are « not preselected » (the filtered search, the
    # decision emails), the other half spread over the other statuses.
    statuses = [status for status in Status if status != Status.NOT_PRESELECTED]
    Candidature.objects.filter(pk__in=ids[0::2]).update(status=Status.NOT_PRESELECTED)
    for index, status in enumerate(statuses):
        Candidature.objects.filter(pk__in=ids[1::2][index :: len(statuses)]).update(
            status=status
        )
    # One in four writes from the address of the one before: half of them
    # are possible duplicates (the seed shares one address in ten).
    candidatures = list(
        Candidature.objects.filter(pk__in=ids)
        .only("applicant_email", "applicant_name", "administration", "anonymised_at")
        .order_by("pk")
    )
    for position, candidature in enumerate(candidatures):
        candidature.applicant_email = (
            f"agent{position - (position % 4 == 1)}@example.gouv.fr"
        )
        candidature.fill_duplicate_keys()
    Candidature.objects.bulk_update(
        candidatures, ["applicant_email", "email_key"], batch_size=1000
    )
    seed_round(count)
    assign_round(programme)
    seed_preselection(programme)
    for index in range(3):
        user_in("Jury", f"membre{index}")
    Notification.objects.bulk_create(
        Notification(
            candidature_id=pk,
            status=Status.NOT_PRESELECTED,
            subject="Votre candidature",
            body="Madame, Monsieur, " * 20,
            prepared_by=programme,
        )
        for pk in Candidature.objects.filter(
            page=page, status=Status.NOT_PRESELECTED
        ).values_list("pk", flat=True)
    )
    with deletions_allowed("bench: reseeding the investigations"):
        Investigation.objects.filter(slug__startswith="bench-").delete()
    start = timezone.localdate() - dt.timedelta(days=90)
    site = page.call.get_site()  # an investigation names its site
    investigations = Investigation.objects.bulk_create(
        Investigation(
            site=site,
            title=f"Investigation {index}",
            slug=f"bench-{index}",
            candidature_id=pk,
            call=page.call,
            problem_statement="Les usagers attendent. " * 10,
            starts_on=start,
            planned_end=start + dt.timedelta(days=63),
        )
        for index, pk in enumerate(ids)
    )
    Phase.objects.bulk_create(
        Phase(
            investigation=investigation,
            code=PhaseCode.INVESTIGATION,
            starts_on=start,
            sort_order=0,
        )
        for investigation in investigations
    )
    CommitteeEvent.objects.bulk_create(
        CommitteeEvent(
            investigation=investigation,
            date=start,
            decision=CommitteeEvent._meta.get_field("decision").choices[0][0],
            sort_order=0,
        )
        for investigation in investigations
    )
    ExportJob.objects.filter(user=programme).delete()
    ExportJob.objects.bulk_create(
        ExportJob(
            user=programme,
            kind="candidatures",
            label=f"Candidatures {index}",
            format="xlsx",
            state=ExportJob.State.DONE,
            total=count,
            done=count,
        )
        for index in range(count)
    )
    # Each round's ranking kept, as on a live database where it was computed at
    # the first view after the last evaluation (that first view's cost is
    # measured apart: docs/performance.md, « Le classement gardé en base »),
    # so that the statistics below know its table too.
    from selection.models import ReviewRound
    from selection.scoring import refresh_ranking

    for review_round in ReviewRound.objects.all():
        refresh_ranking(review_round)
    # As autovacuum does on a live database: the planner sees the rows just
    # loaded (without it, PostgreSQL plans for the previous size's tables), and
    # the visibility map lets it answer from an index alone (VACUUM: without
    # it, every covering index still reads the table).
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE"
        )


def assign_round(programme):
    """Two of the round's three members on each dossier (the round still reads all)."""
    from selection.assignments import auto_assign
    from selection.models import ReviewRound

    review_round = ReviewRound.objects.get(call=form_page().call, kind="selection")
    review_round.reviewers_per_dossier = 2
    review_round.save(update_fields=["reviewers_per_dossier"])
    auto_assign(review_round, by=programme)


def seed_preselection(programme):
    """The jury's pre-selection of the same dossiers, scored by the same three
    members, so that the committee's ranking shows it beside its own; the
    committee round closed and shown to its members, for their ranking page."""
    from django.utils import timezone

    from core.deletion import deletions_allowed
    from selection.models import Evaluation, ReviewRound, RoundMember

    call = form_page().call
    with deletions_allowed("bench: reseeding the pre-selection round"):
        Evaluation.objects.filter(round__call=call, round__kind="preselection").delete()
        ReviewRound.objects.filter(call=call, kind="preselection").delete()
    committee = ReviewRound.objects.get(call=call, kind="selection")
    jury = ReviewRound.objects.create(call=call, kind="preselection")
    members = [m.user for m in committee.memberships.select_related("user")]
    RoundMember.objects.bulk_create(
        RoundMember(round=jury, user=member, sort_order=index)
        for index, member in enumerate(members)
    )
    dossiers = list(committee.candidatures.values_list("pk", flat=True))
    jury.candidatures.add(*dossiers)
    criteria = list(call.criteria.all())
    Evaluation.objects.bulk_create(
        Evaluation(
            round=jury,
            candidature_id=pk,
            member=member,
            comment="Avis du jury. " * 5,
            scores={
                str(c.pk): c.scale_max - (i + j) % 2 for j, c in enumerate(criteria)
            },
            submitted_at=timezone.now(),
        )
        for i, pk in enumerate(dossiers)
        for member in members
    )
    committee.closed_at = timezone.now()
    committee.closed_by = programme
    committee.members_see_ranking = True
    committee.save(update_fields=["closed_at", "closed_by", "members_see_ranking"])


def pages(page, round_pk):
    """(key, user, url, how to count the rows it shows)."""
    jobs = re.compile(rb"Candidatures \d+")
    investigations = re.compile(rb"Investigation \d+")
    return [
        ("candidatures", "programme", reverse("candidatures:index"), REFERENCE),
        (
            "candidatures_search",
            "programme",
            reverse("candidatures:index")
            + f"?q=agent&status=not_preselected&call={page.call.pk}&ordering=administration",
            REFERENCE,
        ),
        (
            "candidatures_duplicates",
            "programme",
            reverse("candidatures:index") + "?duplicates=yes",
            REFERENCE,
        ),
        (
            "ranking",
            "programme",
            reverse("review_rounds:ranking", args=[round_pk]),
            REFERENCE,
        ),
        (
            "round_members",
            "programme",
            reverse("review_rounds:members", args=[round_pk]),
            None,
        ),
        (
            "assignments",
            "programme",
            reverse("review_rounds:assignments", args=[round_pk]),
            REFERENCE,
        ),
        ("jury_rounds", "juror", reverse("jury:rounds"), None),
        (
            "jury_ranking",
            "juror",
            reverse("jury:ranking", args=[round_pk]),
            REFERENCE,
        ),
        (
            "jury_round",
            "juror",
            reverse("jury:round", args=[round_pk]),
            REFERENCE,
        ),
        (
            "investigations",
            "programme",
            reverse("wagtailsnippets_investigations_investigation:list"),
            investigations,
        ),
        (
            "dashboard",
            "programme",
            reverse("investigations_dashboard"),
            investigations,
        ),
        (
            "calendar",
            "programme",
            reverse("investigations_calendar"),
            investigations,
        ),
        ("exports", "programme", reverse("exports:jobs"), jobs),
        (
            "notifications",
            "programme",
            reverse("notifications") + f"?call={page.call.pk}",
            REFERENCE,
        ),
        ("home", "programme", reverse("wagtailadmin_home"), None),
    ]


def measure(client, url, pattern):
    response = client.get(url)  # warm-up: caches, compiled templates
    if response.status_code != 200:
        raise RuntimeError(f"{url}: {response.status_code}")
    best, queries, spent = None, None, 0.0
    for _ in range(REPEATS):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - start
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code}")
        queries = len(captured.captured_queries)
        best = elapsed if best is None else min(best, elapsed)
        spent += elapsed
        if spent > BUDGET:
            break
    content = response.content
    rows = len(set(pattern.findall(content))) if pattern else None
    return {"queries": queries, "ms": best * 1000, "bytes": len(content), "rows": rows}


def signed_in_with_second_factor(client, user):
    """Signed in as production has it: password, then a TOTP code (the session
    verified, so the second factor's middleware lets every admin page through)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="bench", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def main():
    from selection.models import ReviewRound

    sizes = [int(arg) for arg in sys.argv[1:]]
    programme = user_in("Équipe programme", "bench-programme")
    results = {}
    for size in sizes:
        prepare(size, programme)
        page = form_page()
        review_round = ReviewRound.objects.get(call=page.call, kind="selection")
        juror = get_user_model().objects.get(username="membre0")
        clients = {
            "programme": Client(HTTP_HOST="127.0.0.1"),
            "juror": Client(HTTP_HOST="127.0.0.1"),
        }
        for who, user in (("programme", programme), ("juror", juror)):
            signed_in_with_second_factor(clients[who], user)
        results[size] = {
            key: measure(clients[who], url, pattern)
            for key, who, url, pattern in pages(page, review_round.pk)
            if not ONLY or key in ONLY
        }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
