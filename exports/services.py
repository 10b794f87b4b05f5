"""Run an export: synchronously for small ones, as a background task for large ones."""

import datetime as dt
import itertools
import tempfile

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone
from django.utils.text import slugify

from forms.models import Candidature
from investigations.models import Investigation
from selection.models import ReviewRound

from .models import ExportJob
from .pdf import render_jury_book_pdf
from .resources import (
    CandidatureResource,
    EvaluationResource,
    InvestigationResource,
    RankingResource,
)
from .writers import FORMATS, write_sheets
from .zips import run_attachments_job

# A round's ranking, evaluations and dossiers, as three sheets of one workbook.
ROUND_WORKBOOK = "round_workbook"


def build_resource(kind, params):
    """The resource of a one-table export, with the columns its user chose, and its rows' count.

    ``params["columns"]``, when there, maps an export's kind to the column
    names its user chose (``ExportColumnChoice``): looked up when the export
    is asked for, kept in a background job's parameters.
    """
    resource, total = _build_resource(kind, params)
    return resource.choose((params.get("columns") or {}).get(kind)), total


def build_resources(kind, params):
    """The resources an export writes, one a sheet, and the total of their rows.

    A round's workbook holds its ranking, its evaluations and its dossiers
    (the round's candidatures), each with the columns its user chose.
    """
    if kind != ROUND_WORKBOOK:
        resource, total = build_resource(kind, params)
        return [resource], total
    review_round = ReviewRound.objects.select_related("call").get(pk=params["round"])
    dossiers = Candidature.objects.filter(pk__in=review_round.candidatures.all())
    chosen = params.get("columns") or {}
    resources = [
        RankingResource(review_round).choose(chosen.get("ranking")),
        EvaluationResource(review_round).choose(chosen.get("evaluations")),
        CandidatureResource(dossiers).choose(chosen.get("candidatures")),
    ]
    count = dossiers.count()
    return resources, 2 * count + review_round.evaluations.count()


def _build_resource(kind, params):
    if kind == "candidatures":
        queryset = (
            Candidature.objects.filter(pk__in=params["ids"])
            if "ids" in params
            else Candidature.objects.all()
        )
        if "call" in params:
            queryset = queryset.filter(call_id=params["call"])
        if "page" in params:
            queryset = queryset.filter(page_id=params["page"])
        if params.get("status"):
            queryset = queryset.filter(status__in=params["status"])
        resource = CandidatureResource(queryset)
        return resource, resource.total
    if kind == "investigations":
        queryset = Investigation.objects.filter(pk__in=params["ids"])
        return InvestigationResource(queryset), queryset.count()
    review_round = ReviewRound.objects.select_related("call").get(pk=params["round"])
    if kind == "evaluations":
        return EvaluationResource(review_round), review_round.evaluations.count()
    if kind == "ranking":
        return RankingResource(review_round), review_round.candidatures.count()
    raise ValueError(kind)


def export_to(resource, fmt, output, progress=None):
    """Writes one resource: a sheet named after its content (« Candidatures »…)."""
    export_sheets_to([resource], fmt, output, progress=progress)


def export_sheets_to(resources, fmt, output, progress=None):
    """Writes resources as the sheets of one workbook, in their order (XLSX, ODS)."""
    sheets = [resource.sheet() for resource in resources]
    if progress is not None:
        counter = itertools.count(1)  # one count across the sheets
        for sheet in sheets:
            sheet.rows = _counting(sheet.rows, progress, counter)
    write_sheets(fmt, sheets, output)


def _counting(rows, progress, counter=None, every=500):
    counter = counter or itertools.count(1)
    for row in rows:
        index = next(counter)
        if index % every == 0:
            progress(index)
        yield row


FILE_PREFIXES = {
    ROUND_WORKBOOK: "tour",
    "candidatures": "candidatures",
    "evaluations": "evaluations",
    "ranking": "classement",
    "jury_book": "cahier-du-jury",
    "attachments": "pieces-jointes",
    "investigations": "investigations",
}


def filename_for(kind, label, fmt):
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    parts = [FILE_PREFIXES.get(kind, kind), slugify(label)[:40].strip("-")]
    name = "-".join(dict.fromkeys(part for part in parts if part))
    return f"{name}-{stamp}.{FORMATS[fmt][1]}"


def run_job(job_id):
    job = ExportJob.objects.get(pk=job_id)
    ExportJob.objects.filter(pk=job.pk).update(state=ExportJob.State.RUNNING)
    try:
        if job.kind == "jury_book":
            run_jury_book_job(job)
            return
        if job.kind == "attachments":
            run_attachments_job(job)
            return
        resources, total = build_resources(job.kind, job.params)
        ExportJob.objects.filter(pk=job.pk).update(total=total)

        def progress(done):
            ExportJob.objects.filter(pk=job.pk).update(done=done)

        with tempfile.TemporaryFile() as output:
            export_sheets_to(resources, job.format, output, progress=progress)
            output.seek(0)
            job.file.save(
                filename_for(job.kind, job.label, job.format), File(output), save=False
            )
        ExportJob.objects.filter(pk=job.pk).update(
            file=job.file.name,
            state=ExportJob.State.DONE,
            done=total,
            finished_at=timezone.now(),
        )
    except Exception as error:
        ExportJob.objects.filter(pk=job.pk).update(
            state=ExportJob.State.FAILED,
            error=f"{type(error).__name__}: {error}",
            finished_at=timezone.now(),
        )
        raise


def run_jury_book_job(job):
    review_round = ReviewRound.objects.select_related("call").get(
        pk=job.params["round"]
    )
    member = (
        get_user_model().objects.filter(pk=job.params.get("member")).first()
        if job.params.get("member")
        else None
    )
    content = render_jury_book_pdf(
        review_round,
        member=member,
        with_attachments=bool(job.params.get("attachments")),
    )
    job.file.save(
        filename_for("jury_book", job.label, "pdf"), ContentFile(content), save=False
    )
    ExportJob.objects.filter(pk=job.pk).update(
        file=job.file.name,
        state=ExportJob.State.DONE,
        done=job.total,
        finished_at=timezone.now(),
    )


IMPORTS_FOLDER = "imports"  # in the private storage: one folder per user


def purge_stale_imports(hours=24):
    """Spreadsheets uploaded for an import and never confirmed. Returns the count.

    They wait in private storage between the preview and the confirmation;
    one left behind holds decisions and reasons about named people.
    """
    storage = storages["private"]
    limit = timezone.now() - dt.timedelta(hours=hours)
    try:
        folders, _files = storage.listdir(IMPORTS_FOLDER)
    except FileNotFoundError:
        return 0
    count = 0
    for folder in folders:
        _subfolders, names = storage.listdir(f"{IMPORTS_FOLDER}/{folder}")
        for name in names:
            path = f"{IMPORTS_FOLDER}/{folder}/{name}"
            if storage.get_modified_time(path) < limit:
                storage.delete(path)
                count += 1
    return count


def purge_old_jobs(days=7):
    """Exports hold personal data: they do not stay longer than needed. Returns the count."""
    old = list(
        ExportJob.objects.filter(
            created_at__lt=timezone.now() - dt.timedelta(days=days)
        )
    )
    for job in old:
        if job.file:
            job.file.delete(save=False)
        job.delete()
    return len(old)
