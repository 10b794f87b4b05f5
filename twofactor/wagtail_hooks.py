from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.views.account import BaseSettingsPanel, SettingsTab
from wagtail.admin.widgets.button import Button

from . import devices, views
from .forms import NoFieldsForm
from .policy import has_device, reads_personal_data, signed_in_strongly

security_tab = SettingsTab("securite", _("Sécurité"), order=150)


@hooks.register("register_admin_urls")
def register_second_factor_urls():
    return [
        path(
            "securite/verification/",
            views.VerifyView.as_view(),
            name="twofactor_verify",
        ),
        path("securite/activation/", views.EnrolView.as_view(), name="twofactor_enrol"),
        path(
            "securite/codes-de-secours/",
            views.RecoveryCodesView.as_view(),
            name="twofactor_recovery_codes",
        ),
        path(
            "securite/codes-de-secours/telecharger/",
            views.download_recovery_codes,
            name="twofactor_recovery_codes_download",
        ),
        path("securite/", views.ManageView.as_view(), name="twofactor_manage"),
        path(
            "securite/reinitialiser/<int:user_id>/",
            views.ResetView.as_view(),
            name="twofactor_reset",
        ),
    ]


class SecondFactorPanel(BaseSettingsPanel):
    """« Double authentification » in « Mon compte »: its state and a link to manage it."""

    name = "second_factor"
    title = _("Double authentification")
    tab = security_tab
    order = 100
    template_name = "twofactor/account_panel.html"
    form_class = NoFieldsForm

    def get_context_data(self):
        user = self.user
        return {
            **super().get_context_data(),
            "device": devices.confirmed_totp_device(user),
            "remaining": devices.remaining_recovery_codes(user)
            if has_device(user)
            else 0,
            "needed": reads_personal_data(user),
            "proconnect": signed_in_strongly(self.request),
        }


@hooks.register("register_account_settings_panel")
def register_second_factor_panel(request, user, profile):
    return SecondFactorPanel(request, user, profile)


@hooks.register("register_user_listing_buttons")
def second_factor_reset_button(user, request_user):
    # Shown for everyone the administrator may reset (no query per row):
    # the page says whether the person has a second factor at all.
    if views.can_reset(request_user, user):
        yield Button(
            _("Réinitialiser la double authentification"),
            url=reverse("twofactor_reset", args=[user.pk]),
            icon_name="lock",
            priority=60,
        )


@hooks.register("register_log_actions")
def register_second_factor_log_actions(actions):
    actions.register_action(
        "amorce.second_factor.enrolled",
        _("Double authentification activée"),
        _("Double authentification activée"),
    )
    actions.register_action(
        "amorce.second_factor.recovery_codes_replaced",
        _("Codes de secours renouvelés"),
        _("Codes de secours renouvelés"),
    )
    actions.register_action(
        "amorce.second_factor.recovery_code_used",
        _("Code de secours utilisé"),
        _("Code de secours utilisé pour se connecter"),
    )
    actions.register_action(
        "amorce.second_factor.reset",
        _("Double authentification réinitialisée"),
        _("Double authentification réinitialisée par un administrateur"),
    )
