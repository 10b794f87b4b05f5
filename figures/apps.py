from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FiguresConfig(AppConfig):
    """The programme team's charts: candidatures, selection, investigations.

    It sits above the apps whose numbers it draws (and above ``exports``,
    whose CSV writer it uses), so that none of them imports it.
    """

    name = "figures"
    verbose_name = _("Chiffres")
    default_auto_field = "django.db.models.BigAutoField"
