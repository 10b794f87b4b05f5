"""Enrolment, verification, the user's own page, and an administrator's reset.

Verification and enrolment come right after the password, before the admin
opens: they are drawn like Wagtail's sign-in page (no menu), and a wrong
code is counted like a wrong password (``core.throttle``, same limits).
"""

import logging
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy
from django.views import View
from django.views.generic import TemplateView
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.log_actions import log

from core.throttle import Throttle

from . import devices
from .forms import CodeForm, EnrolmentForm, KeptCodesForm
from .notices import send_enrolment_notice, send_reset_notice
from .policy import (
    has_device,
    is_verified,
    pending,
    reads_personal_data,
    signed_in_strongly,
)

logger = logging.getLogger("amorce.twofactor")

CODE_FAILURES = Throttle(
    "second-factor-failures",
    "AMORCE_LOGIN_RATE_LIMIT",
    "AMORCE_LOGIN_ADDRESS_RATE_LIMIT",
    ngettext_lazy(
        "Trop de codes erronés. Réessayez dans %(minutes)s minute.",
        "Trop de codes erronés. Réessayez dans %(minutes)s minutes.",
        "minutes",
    ),
)
NEW_CODES_SESSION_KEY = "twofactor_new_recovery_codes"
WRONG_CODE = gettext_lazy(
    "Ce code n'est pas valide. Vérifiez l'heure de votre téléphone, "
    "ou attendez le code suivant si celui-ci vient de servir."
)
LOW_RECOVERY_CODES = 3


def next_url(request, default=None):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("wagtailadmin_home") if default is None else default


def qr_svg(data):
    image = qrcode.make(
        data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2
    )
    return image.to_string(encoding="unicode")


def checked_code(request, form, check):
    """Runs ``check(code)`` unless the user or the address is held; counts failures.

    Returns (device or None, status): 429 when held, 200 otherwise.
    """
    username = request.user.get_username()
    window = CODE_FAILURES.blocked_for(request, username)
    if window:
        logger.warning(
            "Second factor refused: too many wrong codes (user %s)", request.user.pk
        )
        form.add_error("code", CODE_FAILURES.refusal_message(window))
        return None, 429
    device = check(form.cleaned_data["code"])
    if device is None:
        CODE_FAILURES.record(request, username)
        logger.warning("Second factor: wrong code (user %s)", request.user.pk)
        form.add_error("code", WRONG_CODE)
        return None, 200
    CODE_FAILURES.forget_subject(request, username)
    return device, 200


def audit(request, action):
    """An entry in Wagtail's history of the user's account (``log`` needs the model
    instance itself, not the middlewares' lazy wrapper)."""
    user = get_user_model().objects.get(pk=request.user.pk)
    log(user, action, user=user)


def signed_in_with(request, device):
    # A new session key once the second factor is given, as after the password.
    request.session.cycle_key()
    otp_login(request, device)


class SignInStepView(View):
    """Drawn like the sign-in page: the admin's menu waits for the code."""

    template_name = None

    def render(self, context, status=200):
        context = {"next": next_url(self.request, ""), **context}
        return TemplateResponse(
            self.request, self.template_name, context, status=status
        )


class VerifyView(SignInStepView):
    """« Code de vérification »: the second step of the sign-in."""

    template_name = "twofactor/verify.html"

    def dispatch(self, request, *args, **kwargs):
        if pending(request) != "verify":
            return redirect(next_url(request))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self.render({"form": CodeForm()})

    def post(self, request):
        form = CodeForm(request.POST)
        if not form.is_valid():
            return self.render({"form": form})
        device, status = checked_code(
            request, form, lambda code: devices.verify(request.user, code)
        )
        if device is None:
            return self.render({"form": form}, status)
        signed_in_with(request, device)
        if isinstance(device, StaticDevice):
            left = devices.remaining_recovery_codes(request.user)
            audit(request, "amorce.second_factor.recovery_code_used")
            message = ngettext(
                "Code de secours accepté. Il vous reste %(count)s code de secours.",
                "Code de secours accepté. Il vous reste %(count)s codes de secours.",
                left,
            ) % {"count": left}
            if left <= LOW_RECOVERY_CODES:
                message += " " + _(
                    "Pensez à en générer de nouveaux : « Mon compte », onglet « Sécurité »."
                )
                messages.warning(request, message)
            else:
                messages.info(request, message)
        return redirect(next_url(request))


class EnrolView(SignInStepView):
    """« Sécuriser votre compte »: scan the QR code, type the app's code."""

    template_name = "twofactor/enrol.html"

    def dispatch(self, request, *args, **kwargs):
        if has_device(request.user):
            return redirect(
                "twofactor_manage" if pending(request) is None else "twofactor_verify"
            )
        return super().dispatch(request, *args, **kwargs)

    def context(self, form):
        device = devices.pending_totp_device(self.request.user)
        return {
            "form": form,
            "qr_code": qr_svg(device.config_url),
            "secret_groups": devices.secret_groups(device),
            "required": settings.AMORCE_REQUIRE_2FA
            and reads_personal_data(self.request.user),
        }

    def get(self, request):
        return self.render(self.context(EnrolmentForm()))

    def post(self, request):
        form = EnrolmentForm(request.POST)
        if not form.is_valid():
            return self.render(self.context(form))
        pending_device = devices.pending_totp_device(request.user)
        device, status = checked_code(
            request, form, lambda code: devices.confirm_enrolment(pending_device, code)
        )
        if device is None:
            return self.render(self.context(form), status)
        signed_in_with(request, device)
        request.session[NEW_CODES_SESSION_KEY] = devices.replace_recovery_codes(
            request.user
        )
        audit(request, "amorce.second_factor.enrolled")
        # Whoever enrolled, the owner of the address learns it (a stolen password).
        send_enrolment_notice(request, request.user)
        logger.info("Second factor enrolled (user %s)", request.user.pk)
        url = reverse("twofactor_recovery_codes")
        if target := next_url(request, ""):
            url += "?" + urlencode({"next": target})
        return redirect(url)


class RecoveryCodesView(SignInStepView):
    """The new recovery codes, shown once: download, print, confirm they are kept."""

    template_name = "twofactor/recovery_codes.html"

    def dispatch(self, request, *args, **kwargs):
        self.codes = request.session.get(NEW_CODES_SESSION_KEY)
        if not self.codes:
            return redirect("twofactor_manage")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self.render({"codes": self.codes, "form": KeptCodesForm()})

    def post(self, request):
        form = KeptCodesForm(request.POST)
        if not form.is_valid():
            return self.render({"codes": self.codes, "form": form})
        del request.session[NEW_CODES_SESSION_KEY]
        messages.success(
            request, _("Votre compte est protégé par la double authentification.")
        )
        return redirect(next_url(request))


def download_recovery_codes(request):
    codes = request.session.get(NEW_CODES_SESSION_KEY)
    if not codes:
        return redirect("twofactor_manage")
    site_name = settings.WAGTAIL_SITE_NAME
    lines = [
        _("Codes de secours — %(site)s") % {"site": site_name},
        _("Compte : %(username)s") % {"username": request.user.get_username()},
        _("Chaque code ne sert qu'une fois."),
        "",
        *codes,
        "",
    ]
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="codes-de-secours.txt"'
    response["Cache-Control"] = "no-store"
    return response


class ManageView(WagtailAdminTemplateMixin, TemplateView):
    """The user's own second factor, from « Mon compte »: state and new recovery codes."""

    template_name = "twofactor/manage.html"
    page_title = gettext_lazy("Double authentification")
    header_icon = "lock"

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("wagtailadmin_account"), "label": _("Mon compte")},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        user = self.request.user
        return {
            **super().get_context_data(**kwargs),
            "device": devices.confirmed_totp_device(user),
            "remaining": devices.remaining_recovery_codes(user),
            "required": settings.AMORCE_REQUIRE_2FA and reads_personal_data(user),
        }

    def post(self, request):
        strong = is_verified(request) or signed_in_strongly(request)
        if not (has_device(request.user) and strong):
            raise PermissionDenied
        request.session[NEW_CODES_SESSION_KEY] = devices.replace_recovery_codes(
            request.user
        )
        audit(request, "amorce.second_factor.recovery_codes_replaced")
        return redirect("twofactor_recovery_codes")


def can_reset(administrator, user):
    if not administrator.has_perm("auth.change_user") or administrator.pk == user.pk:
        return False
    return administrator.is_superuser or not user.is_superuser


class ResetView(WagtailAdminTemplateMixin, TemplateView):
    """An administrator removes someone's second factor (a lost phone): logged, and the
    person is told by email."""

    template_name = "twofactor/reset.html"
    page_title = gettext_lazy("Réinitialiser la double authentification")
    header_icon = "lock"

    def dispatch(self, request, *args, **kwargs):
        self.target = get_object_or_404(get_user_model(), pk=kwargs["user_id"])
        if not can_reset(request.user, self.target):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("wagtailusers_users:index"), "label": _("Utilisateurs")},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "target": self.target,
            "has_device": has_device(self.target),
        }

    def post(self, request, user_id):
        if devices.remove_devices(self.target):
            log(self.target, "amorce.second_factor.reset", user=request.user)
            logger.warning(
                "Second factor of user %s reset by user %s",
                self.target.pk,
                request.user.pk,
            )
            name = self.target.get_full_name() or self.target.get_username()
            messages.success(
                request,
                _(
                    "La double authentification de %(name)s est réinitialisée : "
                    "sa prochaine connexion lui demandera d'en configurer une nouvelle."
                )
                % {"name": name},
            )
            if send_reset_notice(request, self.target) is None:
                messages.warning(
                    request,
                    _(
                        "Le courriel qui l'en informe n'a pas pu partir : "
                        "prévenez %(name)s vous-même."
                    )
                    % {"name": name},
                )
        return redirect("wagtailusers_users:index")
