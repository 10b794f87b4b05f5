"""The page an invitation's link opens: set a password, or sign in as usual.

Outside the admin's sign-in (the person has no password yet). Opening the
page (a GET, which mail scanners also do) changes nothing; setting the
password (a POST) uses the link, signs the person in and lands on « Mes
évaluations ». A link that opens nothing says why, and that the team can
send a new one. Where passwords are off (a site of the person, or the call's
site, switched « Connexion par mot de passe » off), no password is set here:
the page sends to the sign-in (ProConnect), which accepts the invitation
(selection/receivers.py).
"""

import contextlib

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import SetPasswordForm
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from accounts.models import SignInSettings
from accounts.views import password_refused
from cms_pages.models import SiteIdentity

from .invitations import (
    SIGN_IN_OPTIONS,
    InvitationRefused,
    accept_invitation,
    read_invitation,
)

REFUSALS = {
    "unknown": gettext_lazy(
        "Ce lien d'invitation n'est pas reconnu. Vérifiez qu'il est complet "
        "(copiez-le en entier depuis le courriel)."
    ),
    "replaced": gettext_lazy(
        "Ce lien d'invitation a été remplacé par un plus récent : utilisez le "
        "dernier courriel d'invitation reçu."
    ),
    "used": gettext_lazy(
        "Ce lien d'invitation a déjà servi. Connectez-vous avec votre identifiant "
        "et votre mot de passe."
    ),
    "expired": gettext_lazy("Ce lien d'invitation a expiré."),
    "withdrawn": gettext_lazy(
        "Cette invitation n'est plus valable : vous ne faites plus partie de ce tour."
    ),
}


class JuryInvitationView(TemplateView):
    template_name = "selection/invitation.html"

    def dispatch(self, request, *args, **kwargs):
        self.token = kwargs["token"]
        try:
            self.invitation = read_invitation(self.token)
            self.refusal = None
        except InvitationRefused as refused:
            self.invitation = None
            self.refusal = refused.kind
        return super().dispatch(request, *args, **kwargs)

    def password_off(self):
        """Whether this person may not get a password here (ProConnect only)."""
        user = self.invitation.user
        site = self.invitation.round.call.get_site()
        return password_refused(user, self.request) or (
            site is not None
            and SignInSettings.objects.filter(site=site, password_login=False).exists()
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        login_url = "{}?{}".format(
            reverse("wagtailadmin_login"), urlencode({"next": reverse("jury:rounds")})
        )
        context.update(
            login_url=login_url,
            identity=SiteIdentity.for_request(self.request)
            if self.invitation is None
            else self.invitation.round.call.site_identity,
        )
        if self.refusal:
            context.update(
                refusal=REFUSALS[self.refusal],
                show_login=self.refusal == "used",
            )
            return context
        user = self.invitation.user
        context.update(
            password_off=self.password_off(),
            invitation=self.invitation,
            review_round=self.invitation.round,
            username=user.get_username(),
            has_password=user.has_usable_password(),
            form=kwargs.get("form") or SetPasswordForm(user),
            other_ways=[
                option
                for option in (
                    f(self.request, self.invitation) for f in SIGN_IN_OPTIONS
                )
                if option
            ],
            signed_in_as_other=self.request.user.is_authenticated
            and self.request.user.pk != user.pk,
        )
        return context

    def get(self, request, *args, **kwargs):
        if (
            self.invitation is not None
            and request.user.is_authenticated
            and request.user.pk == self.invitation.user_id
        ):
            with contextlib.suppress(InvitationRefused):  # accepted meanwhile
                accept_invitation(self.invitation)
            return redirect("jury:rounds")
        status = 410 if self.refusal else 200
        return self.render_to_response(self.get_context_data(), status=status)

    def post(self, request, *args, **kwargs):
        if self.refusal:
            return self.render_to_response(self.get_context_data(), status=410)
        user = self.invitation.user
        if self.password_off():
            context = self.get_context_data()
            context["password_refused"] = _(
                "La connexion par mot de passe est désactivée pour ce compte : "
                "aucun mot de passe n'est enregistré. Connectez-vous avec "
                "ProConnect : votre invitation sera acceptée."
            )
            return self.render_to_response(context, status=403)
        if user.has_usable_password():
            # Their password is theirs: the link does not replace it.
            return self.render_to_response(self.get_context_data(), status=409)
        form = SetPasswordForm(user, request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            with transaction.atomic():
                accept_invitation(self.invitation)
                form.save()
        except InvitationRefused as refused:
            self.refusal = refused.kind
            return self.render_to_response(self.get_context_data(), status=410)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request,
            _(
                "Bienvenue ! Votre mot de passe est enregistré. Votre identifiant "
                "pour les prochaines fois : %(username)s."
            )
            % {"username": user.get_username()},
        )
        return redirect("jury:rounds")
