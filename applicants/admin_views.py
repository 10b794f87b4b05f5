"""The programme team's side of a dossier's thread: write to the applicant, ask for
a correction, read what the applicant answered and changed."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from wagtail.log_actions import log

from core.files import private_download
from core.views import AdminPage
from forms.choices import CLOSING_STATUSES
from forms.permissions import candidatures_for

from .models import CorrectionRequest, Message, MessageAttachment
from .thread import (
    MessageForm,
    correctable_fields,
    message_files,
    post_message,
    request_correction,
    thread,
)

# How far ahead a correction may be due.
MAX_CORRECTION_DAYS = 90


class CorrectionForm(forms.Form):
    # Beside the message form on one page: its own names and ids.
    prefix = "complement"

    fields = forms.MultipleChoiceField(
        label=gettext_lazy("Champs à rouvrir"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choisissez au moins un champ.")},
    )
    deadline = forms.DateField(
        label=gettext_lazy("À rendre au plus tard le"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Jusqu'à 23 h 59, heure de Paris, ce jour-là."),
    )
    body = forms.CharField(
        label=gettext_lazy("Ce qui est à compléter, et pourquoi"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10_000,
    )
    files = message_files()

    def __init__(self, *args, candidature, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fields"].choices = correctable_fields(candidature)

    def clean_deadline(self):
        day = self.cleaned_data["deadline"]
        moment = timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59)))
        now = timezone.now()
        if moment <= now:
            raise forms.ValidationError(_("Choisissez une date à venir."))
        if moment > now + dt.timedelta(days=MAX_CORRECTION_DAYS):
            raise forms.ValidationError(
                _("Choisissez une date dans les %(days)s jours.")
                % {"days": MAX_CORRECTION_DAYS}
            )
        return moment


class ThreadView(AdminPage):
    """« Messages et compléments » of one candidature, for the programme team."""

    template_name = "applicants/admin/thread.html"
    header_icon = "mail"

    def dispatch(self, request, *args, **kwargs):
        self.candidature = get_object_or_404(
            candidatures_for(request.user).select_related("call", "definition"),
            pk=kwargs["pk"],
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Messages et compléments — %(reference)s") % {
            "reference": self.candidature.reference
        }

    def parents(self):
        return [
            (reverse("candidatures:index"), _("Candidatures")),
            (
                reverse("candidatures:inspect", args=[self.candidature.pk]),
                self.candidature.reference,
            ),
        ]

    def breadcrumb_label(self):
        return _("Messages et compléments")

    def can_write(self):
        return (
            self.request.user.has_perm("forms.change_candidature")
            and self.candidature.anonymised_at is None
        )

    def can_request_correction(self):
        """Not for a withdrawn or cancelled candidature: nothing is examined any more."""
        return self.can_write() and self.candidature.status not in CLOSING_STATUSES

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        corrections = list(self.candidature.correction_requests.all())
        now = timezone.now()
        context.update(
            candidature=self.candidature,
            thread=thread(self.candidature),
            corrections=corrections,
            open_corrections=[c for c in corrections if c.is_open(now)],
            labels=dict(correctable_fields(self.candidature)),
            can_write=self.can_write(),
            message_form=kwargs.get("message_form") or MessageForm(),
            correction_form=kwargs.get("correction_form")
            or CorrectionForm(candidature=self.candidature),
        )
        context["can_request_correction"] = self.can_request_correction()
        if self.can_write() and not kwargs:
            # Read once shown to who answers for the team: what the applicant wrote since.
            Message.objects.filter(
                candidature=self.candidature,
                author=Message.Author.APPLICANT,
                read_at=None,
            ).update(read_at=now)
        return context

    def post(self, request, *args, **kwargs):
        if not self.can_write():
            raise PermissionDenied
        action = request.POST.get("action")
        if action == "correction" and not self.can_request_correction():
            raise PermissionDenied
        if action == "correction":
            form = CorrectionForm(
                request.POST, request.FILES, candidature=self.candidature
            )
            if not form.is_valid():
                return self.render_to_response(
                    self.get_context_data(correction_form=form), status=422
                )
            request_correction(
                self.candidature,
                fields=form.cleaned_data["fields"],
                deadline=form.cleaned_data["deadline"],
                body=form.cleaned_data["body"],
                files=form.cleaned_data["files"],
                user=request.user,
            )
            messages.success(
                request,
                _(
                    "Demande de complément envoyée : le candidat est prévenu par courriel."
                ),
            )
        elif action == "cancel":
            correction = get_object_or_404(
                CorrectionRequest,
                pk=request.POST.get("correction"),
                candidature=self.candidature,
                answered_at=None,
                cancelled_at=None,
            )
            correction.cancelled_at = timezone.now()
            correction.save(update_fields=["cancelled_at"])
            log(
                self.candidature,
                "amorce.candidature.correction_cancelled",
                user=request.user,
                data={"fields": correction.fields},
            )
            messages.success(request, _("Demande de complément annulée."))
        else:
            form = MessageForm(request.POST, request.FILES)
            if not form.is_valid():
                return self.render_to_response(
                    self.get_context_data(message_form=form), status=422
                )
            post_message(
                self.candidature,
                author=Message.Author.TEAM,
                body=form.cleaned_data["body"],
                files=form.cleaned_data["files"],
                user=request.user,
            )
            messages.success(
                request, _("Message envoyé : le candidat est prévenu par courriel.")
            )
        return redirect(request.get_full_path())


@never_cache
def team_message_file(request, pk):
    """A message's file, to the programme team of its candidature; 404 to anyone else."""
    attachment = get_object_or_404(
        MessageAttachment.objects.select_related("message"), pk=pk
    )
    if (
        not candidatures_for(request.user)
        .filter(pk=attachment.message.candidature_id)
        .exists()
    ):
        raise Http404
    return private_download(attachment, request)
