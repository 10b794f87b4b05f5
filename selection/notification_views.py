"""The programme team prepares, previews and releases the decision emails."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from cms_pages.models import CallPage
from cms_pages.sites import is_programme_team, programme_site_scope, under_sites
from core.views import AdminPage, as_int
from forms.choices import Status
from forms.models import Candidature
from forms.permissions import calls_for

from .models import NOTIFIED_STATUSES, Notification, NotificationTemplate
from .notifications import (
    counts_by_status,
    emails_by_state,
    prepare_notifications,
    release_notifications,
)

PREPARED_PER_PAGE = 50  # prepared emails to reread, a page at a time


class NotificationsView(AdminPage):
    template_name = "selection/notifications/index.html"
    page_title = gettext_lazy("Courriels de décision")
    header_icon = "mail"

    def dispatch(self, request, *args, **kwargs):
        if not is_programme_team(request.user):
            raise PermissionDenied
        calls = calls_for(request.user).order_by("-opens_at")
        self.calls = list(calls)
        call_id = request.GET.get("call") or request.POST.get("call")
        self.call = (
            get_object_or_404(calls, pk=call_id)
            if call_id
            else (self.calls[0] if self.calls else None)
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = []
        prepared_total, prepared_upto = 0, None
        if self.call:
            emails = emails_by_state(self.call)
            counts = counts_by_status(self.call, NOTIFIED_STATUSES, emails)
            for status in NOTIFIED_STATUSES:
                rows.append(
                    {
                        "status": status,
                        "label": Status(status).label,
                        **counts[status],
                        "has_template": NotificationTemplate.for_candidature(
                            Candidature(call=self.call), status
                        )
                        is not None,
                    }
                )
            # What the team rereads before releasing: how many, up to which.
            prepared = [
                totals
                for (_status, state), totals in emails.items()
                if state == Notification.State.PREPARED
            ]
            prepared_total = sum(count for count, _upto in prepared)
            prepared_upto = max((upto for _count, upto in prepared), default=None)
        page = self.prepared_page(prepared_total) if self.call else None
        context.update(
            calls=self.calls,
            call=self.call,
            rows=rows,
            prepared=page if page is not None else [],
            elided_page_range=page.paginator.get_elided_page_range(page.number)
            if page is not None
            else [],
            prepared_total=prepared_total,
            prepared_upto=prepared_upto,
            recent=Notification.objects.filter(candidature__call=self.call)
            .exclude(state=Notification.State.PREPARED)
            .select_related("candidature")[:50]
            if self.call
            else [],
        )
        return context

    def prepared_page(self, total):
        """The page of prepared emails asked (``?p=``), all of them reachable."""
        paginator = WagtailPaginator(
            Notification.objects.filter(
                candidature__call=self.call, state=Notification.State.PREPARED
            )
            .order_by("pk")
            .select_related("candidature", "template"),
            PREPARED_PER_PAGE,
        )
        paginator.count = total  # counted with the states already
        return paginator.get_page(self.request.GET.get("p"))

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("forms.change_candidature") or self.call is None:
            raise PermissionDenied
        action = request.POST.get("action")
        if action == "prepare":
            status = request.POST.get("status")
            if status not in NOTIFIED_STATUSES:
                raise PermissionDenied
            prepared, missing = prepare_notifications(self.call, status, request.user)
            if missing:
                messages.warning(
                    request,
                    _(
                        "%(count)s courriel(s) non préparé(s) : aucun modèle pour le statut « %(status)s »."
                    )
                    % {"count": missing, "status": Status(status).label},
                )
            messages.success(
                request,
                _("%(count)s courriel(s) préparé(s), à relire avant l'envoi.")
                % {"count": prepared},
            )
        elif action == "release":
            if request.POST.get("confirm") != "1":
                messages.error(
                    request, _("Cochez « J'ai relu ces courriels » pour les envoyer.")
                )
                return redirect(f"{request.path}?call={self.call.pk}")
            # What the team read: the last prepared email and how many up to it.
            upto = as_int(request.POST.get("upto"))
            expected = as_int(request.POST.get("expected"))
            count = (
                release_notifications(
                    self.call, request.user, upto=upto, expected=expected
                )
                if upto is not None and expected is not None
                else None
            )
            if count is None:
                messages.error(
                    request,
                    _(
                        "Les courriels préparés ont changé depuis votre lecture (un autre "
                        "membre de l'équipe en a préparé ou envoyé) : rien n'est parti. "
                        "Relisez-les, puis envoyez-les."
                    ),
                )
            else:
                messages.success(
                    request,
                    _("%(count)s courriel(s) en cours d'envoi.") % {"count": count},
                )
        return redirect(f"{request.path}?call={self.call.pk}")


class TemplatePreviewView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "selection/notifications/preview.html"
    page_title = gettext_lazy("Aperçu du courriel")
    header_icon = "view"

    def get_context_data(self, **kwargs):
        if not is_programme_team(self.request.user):
            raise PermissionDenied
        context = super().get_context_data(**kwargs)
        template = get_object_or_404(
            NotificationTemplate.objects.filter(
                programme_site_scope(self.request.user)
            ),
            pk=kwargs["pk"],
        )
        sample = (
            Candidature.objects.filter(call=template.call)
            if template.call_id
            else Candidature.objects.filter(
                under_sites([template.site] if template.site_id else [])
            )
        )
        candidature = sample.select_related("call").first()
        if candidature is None:
            candidature = Candidature(
                reference=_("RÉFÉRENCE"),
                applicant_name=_("Prénom Nom"),
                status=template.status,
            )
            candidature.call = template.call or CallPage(
                title=_("Appel de démonstration")
            )
        candidature.status = template.status
        context["subject"], context["body"] = template.render(
            candidature, reason=_("(le motif saisi avec la décision)")
        )
        context["template"] = template
        context["candidature"] = candidature
        return context
