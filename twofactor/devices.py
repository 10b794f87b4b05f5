"""The user's devices: the authenticator app (TOTP) and the recovery codes.

Recovery codes are django-otp static tokens, but the database keeps only a
keyed hash of each (HMAC with ``SECRET_KEY``, the fallbacks tried too): a
copy of the database does not hand out codes. A code is deleted when it is
used. TOTP codes are checked by django-otp with one step of tolerance either
side, and a code (or an older one) that has been accepted once is refused
afterwards (``TOTPDevice.last_t``).
"""

import hashlib
import hmac
import secrets
from base64 import b32encode

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODE_COUNT = 10
# No 0/O, 1/l/I: read from paper, typed by hand.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
APP_NAME = _("Application d'authentification")
RECOVERY_NAME = _("Codes de secours")


def pending_totp_device(user):
    """The authenticator being set up (unconfirmed), made once: a reload keeps its QR code."""
    device = (
        TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    )
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name=str(APP_NAME), confirmed=False
        )
    return device


def confirmed_totp_device(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def recovery_device(user):
    return StaticDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def secret_of(device):
    """The base32 secret an app asks for when typed by hand."""
    return b32encode(device.bin_key).decode()


def secret_groups(device):
    secret = secret_of(device)
    return [secret[index : index + 4] for index in range(0, len(secret), 4)]


def normalise_code(code):
    return "".join(
        character for character in (code or "").lower() if character.isalnum()
    )


def _hashes(code, keys=None):
    normalised = normalise_code(code).encode()
    keys = keys or [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [
        hmac.new(key.encode(), normalised, hashlib.sha256).hexdigest()[:16]
        for key in keys
    ]


def new_recovery_code():
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


@transaction.atomic
def replace_recovery_codes(user):
    """New recovery codes (the old ones stop working); returns them, to be shown once."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(
        user=user, name=str(RECOVERY_NAME), confirmed=True
    )
    codes = [new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=_hashes(code, [settings.SECRET_KEY])[0])
        for code in codes
    )
    return codes


def remaining_recovery_codes(user):
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def is_totp_shaped(code):
    digits = normalise_code(code)
    return digits.isdigit() and len(digits) in (6, 8)


def verify(user, code):
    """The device that accepts ``code`` (TOTP or a recovery code, used up), or None."""
    with transaction.atomic():
        if is_totp_shaped(code):
            device = (
                TOTPDevice.objects.select_for_update()
                .filter(user=user, confirmed=True)
                .order_by("pk")
                .first()
            )
            if device is not None and device.verify_token(normalise_code(code)):
                return device
            return None
        device = (
            StaticDevice.objects.select_for_update()
            .filter(user=user, confirmed=True)
            .order_by("pk")
            .first()
        )
        if device is None:
            return None
        for hashed in _hashes(code):
            if device.verify_token(hashed):
                return device
    return None


def confirm_enrolment(device, code):
    """Confirms the pending authenticator if ``code`` is its current one."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if not is_totp_shaped(code) or not device.verify_token(normalise_code(code)):
            return None
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return device


@transaction.atomic
def remove_devices(user):
    """Every second factor of ``user`` goes: the next sign-in enrols again."""
    removed = 0
    for device in list(devices_for_user(user, confirmed=None)):
        device.delete()
        removed += 1
    return removed
