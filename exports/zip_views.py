"""ZIPs of dossiers (``exports.zips``), under the same rights as the files in them.

- the programme team: a call's candidatures, as the candidature list filters
  them (a call must be chosen), and a round's dossiers, on its own sites;
- a member of a round: that round's dossiers they read (their assignments,
  minus their conflicts), blind if the round is;
- nobody else: the communications team is refused (403), and a call or round
  of another site answers as one that does not exist (404).

Small archives are streamed at once; past ``AMORCE_EXPORT_ZIP_SYNC_LIMIT``
bytes of files or ``AMORCE_PDF_SYNC_LIMIT`` dossiers (one PDF each, a few
tenths of a second apiece: a request would outlive the server's timeout), a
background job builds it into « Mes exports ».
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import (
    content_disposition_header,
    url_has_allowed_host_and_scheme,
)
from django.utils.translation import gettext as _

from cms_pages.sites import is_programme_team
from forms.admin_views import CandidatureFilterSet
from forms.permissions import candidatures_for
from selection.models import ReviewRound
from selection.permissions import juror_candidatures, rounds_for, rounds_of

from .models import ExportJob
from .tasks import run_export
from .zips import (
    ARCHIVE_TYPE,
    call_dossiers,
    leave_trace,
    round_dossiers,
    stream_zip,
    weight,
    zip_filename,
)


def zip_response(dossiers, label):
    """The archive, sent as it is written."""
    response = StreamingHttpResponse(stream_zip(dossiers), content_type=ARCHIVE_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, zip_filename(label)
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def respond_or_queue(request, *, target, label, params, candidatures, dossiers):
    count, size = weight(candidatures)
    if count == 0:
        messages.warning(request, _("Aucun dossier à mettre dans l'archive."))
        back = request.META.get("HTTP_REFERER", "")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}):
            back = "exports:jobs"
        return redirect(back)
    if (
        count > settings.AMORCE_PDF_SYNC_LIMIT
        or size > settings.AMORCE_EXPORT_ZIP_SYNC_LIMIT
    ):
        job = ExportJob.objects.create(
            user=request.user,
            kind="attachments",
            label=label,
            params=params,
            format="zip",
            total=count,
        )
        run_export.enqueue(str(job.pk))
        messages.success(
            request,
            _("L'archive des pièces jointes (%(count)s dossiers) est en préparation.")
            % {"count": count},
        )
        return redirect("exports:jobs")
    leave_trace(target, request.user, count, member=params.get("member"))
    return zip_response(dossiers(), label)


def call_attachments(request):
    """The candidature list, filtered on one call, as a ZIP of its dossiers."""
    if not is_programme_team(request.user):
        raise PermissionDenied
    filterset = CandidatureFilterSet(
        request.GET, queryset=candidatures_for(request.user), request=request
    )
    # The call chooser offers the user's calls only: another site's is invalid.
    if not filterset.is_valid() or not filterset.form.cleaned_data.get("call"):
        raise Http404
    call = filterset.form.cleaned_data["call"]
    queryset = filterset.qs
    if query := request.GET.get("q"):
        queryset = queryset.matching(query)
    ids = list(queryset.values_list("pk", flat=True))
    candidatures = candidatures_for(request.user).filter(pk__in=ids)
    return respond_or_queue(
        request,
        target=call,
        label=call.title,
        params={"call": call.pk, "ids": ids},
        candidatures=candidatures,
        dossiers=lambda: call_dossiers(candidatures),
    )


def round_attachments(request, pk):
    """A round's dossiers as a ZIP: the team's, or (``?membre=moi``) a member's own."""
    user = request.user
    if not (is_programme_team(user) or rounds_of(user).exists()):
        raise PermissionDenied
    review_round = get_object_or_404(ReviewRound.objects.select_related("call"), pk=pk)
    if (
        rounds_for(user).filter(pk=review_round.pk).exists()
        and request.GET.get("membre") != "moi"
    ):
        member = None
        candidatures = review_round.candidatures.all()
        label = str(review_round)
    elif rounds_of(user).filter(pk=review_round.pk).exists():
        member = user
        candidatures = juror_candidatures(user, review_round)
        label = f"{review_round} — {user.get_username()}"
    else:
        raise Http404  # as if it did not exist: ids of another site are not counted
    return respond_or_queue(
        request,
        target=review_round,
        label=label,
        params={"round": review_round.pk, "member": member.pk if member else None},
        candidatures=candidatures,
        dossiers=lambda: round_dossiers(review_round, member=member),
    )
