"""« Mes jetons d'API »: Wagtail's token screens, for one's own tokens, with an expiry.

A member of the programme team or a juror creates, renames and revokes his own
tokens here; the token is shown once, stored hashed (Wagtail's ``APIToken``).
Administrators manage everyone's in Wagtail's « Paramètres › Jetons d'API ».
"""

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.log_actions import log
from wagtail.models import APIToken
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.users.views import api_tokens

from cms_pages.sites import PROGRAMME_TEAM_PERMISSION, active

from .models import DEFAULT_DAYS, MAX_DAYS, StaffToken, TokenExpiry

JUROR_PERMISSION = "selection.sit_on_round"


def may_hold_token(user):
    """Whoever reads personal data in the admin: the programme team, the jurors."""
    return active(user) and (
        user.has_perm(PROGRAMME_TEAM_PERMISSION) or user.has_perm(JUROR_PERMISSION)
    )


class OwnTokenPolicy(ModelPermissionPolicy):
    def user_has_permission(self, user, action):
        return action in ("add", "change", "delete", "view") and may_hold_token(user)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


class StaffTokenForm(forms.Form):
    name = forms.CharField(
        max_length=255,
        label=_("Nom"),
        help_text=_("Pour le reconnaître : l'outil ou le script qui s'en sert."),
    )
    expires_on = forms.DateField(
        label=_("Expire le"),
        help_text=_("%(max)s jours au plus ; %(default)s par défaut.")
        % {"max": MAX_DAYS, "default": DEFAULT_DAYS},
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["expires_on"].initial = today + dt.timedelta(days=DEFAULT_DAYS)

    def clean_expires_on(self):
        value = self.cleaned_data["expires_on"]
        today = timezone.localdate()
        if value <= today:
            raise forms.ValidationError(_("Choisissez une date à venir."))
        if value > today + dt.timedelta(days=MAX_DAYS):
            raise forms.ValidationError(
                _("Un jeton vaut %(max)s jours au plus.") % {"max": MAX_DAYS}
            )
        return value


class OwnTokensMixin:
    def get_queryset(self):
        return (
            StaffToken.objects.filter(user=self.request.user)
            .select_related("amorce_expiry")
            .order_by("-created", "-pk")
        )


class IndexView(OwnTokensMixin, api_tokens.IndexView):
    filterset_class = None

    @cached_property
    def columns(self):
        return [
            self._get_title_column_class(TitleColumn)(
                "prefix", label=_("Jeton"), get_url=self.get_edit_url
            ),
            Column("name", label=_("Nom")),
            Column("created", label=_("Créé le")),
            Column("amorce_expiry.expires_at", label=_("Expire le")),
            Column("last_used_at", label=_("Dernier usage")),
            Column("revoked_at", label=_("Révoqué le")),
        ]


class CreateView(generic.CreateView):
    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("instance", None)  # a plain form, as Wagtail's
        return kwargs

    def form_valid(self, form):
        if not may_hold_token(self.request.user):
            raise PermissionDenied
        # Wagtail's own token, and its log entries on it: the history of
        # tokens is the administrators' (Wagtail shows entries to whoever holds
        # a permission on their model, and every member holds one on the proxy).
        token, plaintext = APIToken.create_token(
            user=self.request.user, name=form.cleaned_data["name"]
        )
        end_of_day = dt.datetime.combine(
            form.cleaned_data["expires_on"],
            dt.time.max,
            timezone.get_current_timezone(),
        )
        TokenExpiry.objects.update_or_create(
            token=token, defaults={"expires_at": end_of_day}
        )
        self.object = token
        log(token, "wagtail.apitoken.create", user=self.request.user)
        context = super().get_context_data(
            token=plaintext, expires_at=end_of_day, object=token
        )
        context["page_title"] = context["header_title"] = _("Jeton créé")
        return TemplateResponse(self.request, "staffapi/created.html", context)


class EditView(OwnTokensMixin, api_tokens.EditView):
    pass


class RevokeView(OwnTokensMixin, api_tokens.RevokeView):
    def post(self, request, *args, **kwargs):
        self.object = self.get_object()  # one's own: the queryset says so
        self.object.revoke()
        token = APIToken.objects.get(pk=self.object.pk)
        log(token, "wagtail.apitoken.revoke", user=request.user)
        messages.success(
            self.request, _("Jeton « %(name)s » révoqué.") % {"name": self.object.name}
        )
        return redirect(self.get_success_url())
