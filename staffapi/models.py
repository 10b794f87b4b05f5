"""A staff token's expiry, beside Wagtail's own token."""

import datetime as dt

from django.db import models
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.models import APIToken

DEFAULT_DAYS = 90
MAX_DAYS = 365


def default_expiry(start=None):
    return (start or timezone.now()) + dt.timedelta(days=DEFAULT_DAYS)


class TokenExpiry(models.Model):
    """When a token stops working. Every token has one: a token made elsewhere
    (Wagtail's own screen, a script) gets the default, counted from its creation."""

    token = models.OneToOneField(
        APIToken,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="amorce_expiry",
        verbose_name=_("jeton"),
    )
    expires_at = models.DateTimeField(_("expire le"), default=default_expiry)

    class Meta:
        verbose_name = _("expiration d'un jeton")
        verbose_name_plural = _("expirations des jetons")

    def __str__(self):
        return f"{self.token} → {self.expires_at:%Y-%m-%d}"


@receiver(post_save)
def give_every_token_an_expiry(sender, instance, created, raw=False, **kwargs):
    """Wagtail's token or its proxy (``StaffToken``), however it was made."""
    if created and not raw and isinstance(instance, APIToken):
        TokenExpiry.objects.get_or_create(
            token=instance, defaults={"expires_at": default_expiry(instance.created)}
        )


def expires_at_of(token):
    """A token's expiry (the default from its creation if its row is missing)."""
    try:
        return token.amorce_expiry.expires_at
    except TokenExpiry.DoesNotExist:
        return default_expiry(token.created)


class StaffToken(APIToken):
    """Wagtail's token as its owner manages it in « Mes jetons d'API »: its own
    permission policy (the programme team and the jurors), same table."""

    class Meta:
        proxy = True
        verbose_name = _("jeton d'API")
        verbose_name_plural = _("jetons d'API")
