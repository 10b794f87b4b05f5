"""Export views: from the candidature list (with its filters), from a round; the jobs page."""

import tempfile
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms_pages.sites import is_programme_team, programme_site_scope
from core.pdf import pdf_response
from core.views import AdminPage
from forms.admin_views import CandidatureFilterSet
from forms.models import Candidature
from forms.permissions import calls_for, can_view_candidature, candidatures_for
from investigations.models import Investigation
from investigations.permissions import investigations_for
from selection.models import ReviewRound
from selection.permissions import blind_for, rounds_for, rounds_of
from selection.scoring import criteria_of

from .columns import saved_columns, single_call
from .imports import import_decisions, import_evaluations, load_dataset
from .models import ExportJob
from .pdf import render_candidature_pdf, render_investigation_pdf, render_jury_book_pdf
from .services import (
    IMPORTS_FOLDER,
    ROUND_WORKBOOK,
    build_resource,
    build_resources,
    export_sheets_to,
    filename_for,
)
from .tasks import run_export
from .writers import FORMATS
from .zips import weight


def requested_format(request):
    fmt = request.GET.get("format", "xlsx")
    if fmt not in FORMATS:
        raise Http404
    return fmt


def respond_or_queue(request, kind, label, params, fmt, total):
    if total > settings.AMORCE_EXPORT_SYNC_LIMIT:
        job = ExportJob.objects.create(
            user=request.user,
            kind=kind,
            label=label,
            params=params,
            format=fmt,
            total=total,
        )
        run_export.enqueue(str(job.pk))
        messages.success(
            request,
            _("L'export de %(count)s lignes est en préparation.") % {"count": total},
        )
        return redirect("exports:jobs")
    resources, _total = build_resources(kind, params)
    output = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
    export_sheets_to(resources, fmt, output)
    output.seek(0)
    return FileResponse(
        output,
        as_attachment=True,
        filename=filename_for(kind, label, fmt),
        content_type=FORMATS[fmt][0],
    )


def export_candidatures(request):
    """The candidature list as filtered in the admin, as a spreadsheet."""
    if not is_programme_team(request.user):
        raise PermissionDenied
    fmt = requested_format(request)
    filterset = CandidatureFilterSet(
        request.GET, queryset=candidatures_for(request.user), request=request
    )
    queryset = filterset.qs
    if query := request.GET.get("q"):
        queryset = queryset.matching(query)
    ids = list(queryset.values_list("pk", flat=True))
    params = {"ids": ids}
    # The columns this user chose for this call's exports, when the list shows one call.
    if columns := saved_columns(request.user, single_call(queryset), ["candidatures"]):
        params["columns"] = columns
    return respond_or_queue(
        request, "candidatures", _("candidatures"), params, fmt, len(ids)
    )


def export_round(request, pk, kind):
    if not is_programme_team(request.user) or kind not in ("evaluations", "ranking"):
        raise PermissionDenied
    review_round = get_object_or_404(
        rounds_for(request.user).select_related("call"), pk=pk
    )
    fmt = requested_format(request)
    params = {"round": review_round.pk}
    if columns := saved_columns(request.user, review_round.call_id, [kind]):
        params["columns"] = columns
    resource, total = build_resource(kind, params)
    return respond_or_queue(request, kind, str(review_round), params, fmt, total)


class JobsView(AdminPage):
    template_name = "exports/jobs.html"

    def dispatch(self, request, *args, **kwargs):
        if not (is_programme_team(request.user) or rounds_of(request.user).exists()):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    page_title = gettext_lazy("Mes exports")
    header_icon = "download"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["jobs"] = ExportJob.objects.filter(user=self.request.user)[:50]
        context["refresh"] = any(
            job.state in ("pending", "running") for job in context["jobs"]
        )
        return context


def may_still_read(user, job):
    """Whether ``user`` may still read what ``job`` holds (they may have lost a right since)."""
    if job.kind in ("jury_book", "attachments") and "round" in job.params:
        round_id = job.params.get("round")
        if job.params.get("member") == user.pk:  # their own copy, as a member
            return rounds_of(user).filter(pk=round_id).exists()
        return rounds_for(user).filter(pk=round_id).exists()
    if job.kind == "investigations":
        return user.has_perm("investigations.view_investigation")
    if job.kind == ROUND_WORKBOOK:
        return rounds_for(user).filter(pk=job.params.get("round")).exists()
    if job.kind == "attachments":  # a call's: still one of the user's calls
        return calls_for(user).filter(pk=job.params.get("call")).exists()
    return is_programme_team(user)


def download_job(request, pk):
    """A file built for this user, and only for them: anyone else's id is not found."""
    job = get_object_or_404(
        ExportJob, pk=pk, user=request.user, state=ExportJob.State.DONE
    )
    if not may_still_read(request.user, job):
        raise Http404
    response = FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=job.file.name.rsplit("/", 1)[-1],
        content_type=FORMATS[job.format][0]
        if job.format in FORMATS
        else "application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    return response


def imports_folder(user):
    """Where a user's spreadsheet waits between its preview and its confirmation."""
    return f"{IMPORTS_FOLDER}/{user.pk}/"


class BaseImportView(AdminPage):
    """Upload a spreadsheet, preview it, then confirm: all rows or none."""

    template_name = "exports/import.html"
    header_icon = "upload"
    permission = "forms.change_candidature"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def run_import(self, dataset, dry_run):  # pragma: no cover - abstract
        raise NotImplementedError

    def preview(self, dataset):  # pragma: no cover - abstract
        raise NotImplementedError

    def success_url(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def post(self, request, *args, **kwargs):

        storage = storages["private"]
        stored = request.POST.get("stored", "")
        own_folder = imports_folder(request.user)
        try:
            if stored:
                if (
                    not stored.startswith(own_folder)
                    or ".." in stored
                    or not storage.exists(stored)
                ):
                    raise ValueError(
                        _("Le fichier à importer a expiré : envoyez-le à nouveau.")
                    )
                with storage.open(stored, "rb") as handle:
                    upload = ContentFile(handle.read(), name=stored)
            else:
                upload = request.FILES.get("file")
                if upload is None:
                    raise ValueError(_("Choisissez un fichier à importer."))
            dataset = load_dataset(upload)
        except ValueError as error:
            return self.render_to_response(
                self.get_context_data(errors=[(None, str(error))])
            )

        confirm = bool(stored) and request.POST.get("confirm") == "1"
        result, errors = self.run_import(dataset, dry_run=not confirm)
        if errors:
            return self.render_to_response(self.get_context_data(errors=errors))
        if confirm:
            storage.delete(stored)
            count = result.totals["update"] + result.totals["new"]
            messages.success(
                request, _("%(count)s ligne(s) importée(s).") % {"count": count}
            )
            return redirect(self.success_url())
        upload.seek(0)
        # A name nobody can guess, in the user's own folder: only they can confirm it.
        extension = Path(upload.name).suffix.lower()[:5]
        stored = storage.save(
            f"{own_folder}{uuid.uuid4().hex}{extension}", ContentFile(upload.read())
        )
        headers, rows = self.preview(dataset)
        return self.render_to_response(
            self.get_context_data(preview_headers=headers, preview=rows, stored=stored)
        )


class ImportDecisionsView(BaseImportView):
    page_title = gettext_lazy("Importer des décisions")
    help_text = gettext_lazy(
        "Un tableau XLSX, ODS ou CSV avec les colonnes « Référence », « Statut » (par exemple "
        "« Pré-sélectionnée ») et « Motif » (obligatoire pour un refus)."
    )

    def get_context_data(self, **kwargs):
        return super().get_context_data(help_text=self.help_text, **kwargs)

    def run_import(self, dataset, dry_run):

        return import_decisions(dataset, self.request.user, dry_run=dry_run)

    def preview(self, dataset):
        references = [row.get("Référence") for row in dataset.dict]
        current = {
            c.reference: c.get_status_display()
            for c in candidatures_for(self.request.user).filter(
                reference__in=references
            )
        }
        headers = [_("Référence"), _("Statut actuel"), _("Nouveau statut"), _("Motif")]
        rows = [
            (
                row.get("Référence"),
                current.get(row.get("Référence")),
                row.get("Statut"),
                row.get("Motif") or "",
            )
            for row in dataset.dict
        ]
        return headers, rows

    def success_url(self):
        return reverse("candidatures:index")


class ImportEvaluationsView(BaseImportView):
    permission = "selection.change_reviewround"

    def dispatch(self, request, *args, **kwargs):
        self.review_round = get_object_or_404(
            rounds_for(request.user).select_related("call"), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Importer des évaluations — %s") % self.review_round

    def get_context_data(self, **kwargs):
        criteria = ", ".join(
            f"« {c.label} ({c.scale_min}–{c.scale_max}) »"
            for c in criteria_of(self.review_round.call)
        )
        help_text = _(
            "Le tableau que donne l'export des évaluations de ce tour : « Référence », « Adresse du "
            "membre », %(criteria)s, « Commentaire », « Conflit d'intérêts » (Oui ou Non)."
        ) % {"criteria": criteria}
        return super().get_context_data(help_text=help_text, **kwargs)

    def run_import(self, dataset, dry_run):

        return import_evaluations(
            dataset, self.review_round, dry_run=dry_run, user=self.request.user
        )

    def preview(self, dataset):
        return list(dataset.headers), [tuple(row) for row in dataset]

    def success_url(self):
        return reverse("review_rounds:ranking", args=[self.review_round.pk])


def candidature_pdf(request, pk):
    """One dossier as a PDF, for whoever may read the candidature."""
    candidature = get_object_or_404(
        Candidature.objects.select_related("call", "definition"), pk=pk
    )
    if not can_view_candidature(request.user, candidature):
        raise Http404  # as if it did not exist: ids of another site are not counted
    # The thread with the applicant is the programme team's, not the jury's; so
    # is the identity of a dossier the member reads in a blind round.
    with_thread = candidatures_for(request.user).filter(pk=candidature.pk).exists()
    blind = not with_thread and blind_for(request.user, candidature)
    return pdf_response(
        render_candidature_pdf(candidature, with_thread=with_thread, blind=blind),
        f"dossier-{candidature.reference}.pdf",
    )


def jury_book(request, pk):
    """The round's jury book: the programme team's full one, or a member's own."""
    review_round = get_object_or_404(ReviewRound.objects.select_related("call"), pk=pk)
    in_scope = rounds_for(request.user).filter(pk=review_round.pk).exists()
    if in_scope and request.GET.get("membre") != "moi":
        member = None
    elif rounds_of(request.user).filter(pk=review_round.pk).exists():
        member = request.user
    else:
        raise Http404  # as if it did not exist: ids of another site are not counted
    total = review_round.candidatures.count()
    label = (
        str(review_round)
        if member is None
        else f"{review_round} — {request.user.get_username()}"
    )
    # « avec les pièces jointes » : each dossier's PDF files after it (exports.appendices).
    with_attachments = request.GET.get("pieces") == "1"
    if with_attachments:
        label = _("%(label)s, avec les pièces jointes") % {"label": label}
    heavy = (
        with_attachments
        and weight(review_round.candidatures.all())[1]
        > settings.AMORCE_EXPORT_ZIP_SYNC_LIMIT
    )
    if total > settings.AMORCE_PDF_SYNC_LIMIT or heavy:
        job = ExportJob.objects.create(
            user=request.user,
            kind="jury_book",
            label=label,
            format="pdf",
            total=total,
            params={
                "round": review_round.pk,
                "member": member.pk if member else None,
                "attachments": with_attachments,
            },
        )
        run_export.enqueue(str(job.pk))
        messages.success(
            request,
            _("Le cahier du jury ({count} dossiers) est en préparation.").format(
                count=total
            ),
        )
        return redirect("exports:jobs")
    return pdf_response(
        render_jury_book_pdf(
            review_round, member=member, with_attachments=with_attachments
        ),
        filename_for("jury_book", label, "pdf"),
    )


def export_investigations(request):
    if not request.user.has_perm("investigations.view_investigation"):
        raise PermissionDenied
    fmt = requested_format(request)

    ids = list(
        Investigation.objects.filter(programme_site_scope(request.user)).values_list(
            "pk", flat=True
        )
    )
    return respond_or_queue(request, "investigations", "", {"ids": ids}, fmt, len(ids))


def investigation_synthesis(request, pk):
    """An investigation's synthesis as a PDF, for the programme team of its site."""
    if not request.user.has_perm("investigations.view_investigation"):
        raise PermissionDenied
    investigation = get_object_or_404(investigations_for(request.user), pk=pk)
    return pdf_response(
        render_investigation_pdf(investigation), f"synthese-{investigation.slug}.pdf"
    )


def export_round_workbook(request, pk):
    """A round in one workbook: its ranking, its evaluations and its dossiers, a sheet each.

    XLSX or ODS only: CSV and JSON hold one table. Each sheet keeps the
    columns the user chose for that export of the round's call.
    """
    if not is_programme_team(request.user):
        raise PermissionDenied
    review_round = get_object_or_404(
        rounds_for(request.user).select_related("call"), pk=pk
    )
    fmt = request.GET.get("format", "xlsx")
    if fmt not in ("xlsx", "ods"):
        raise Http404
    params = {"round": review_round.pk}
    columns = saved_columns(
        request.user, review_round.call_id, ["ranking", "evaluations", "candidatures"]
    )
    if columns:
        params["columns"] = columns
    _resources, total = build_resources(ROUND_WORKBOOK, params)
    return respond_or_queue(
        request, ROUND_WORKBOOK, str(review_round), params, fmt, total
    )
