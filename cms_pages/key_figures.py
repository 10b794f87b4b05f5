"""« Chiffres clés »: the counts a programme page may show, and who counts them.

The communications team picks which figures a page shows (``KeyFiguresBlock``);
the apps that hold the data count them: each registers a function of (site,
call or None) giving a number in ``COUNTERS`` from its ``AppConfig.ready``
(cms_pages knows no candidature nor investigation). Only aggregate counts of
the page's own site, never a name. A count under ``MIN_SHOWN`` is not shown:
« 2 candidatures » to a small call could point at the people behind them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

# Under this, a figure is left out (statistical confidentiality's habit of
# not publishing a count made of very few people).
MIN_SHOWN = 5


class KeyFigure(models.TextChoices):
    CANDIDATURES = "candidatures", _("Candidatures reçues")
    LAUREATES = "laureates", _("Lauréats")
    INVESTIGATIONS = "investigations", _("Investigations menées")
    ADMINISTRATIONS = "administrations", _("Administrations accompagnées")


# {KeyFigure value: function(site, call or None) -> int}
COUNTERS = {}


def register_counter(figure, counter):
    COUNTERS[figure] = counter


def shown_figures(items, site):
    """(label, number) of the chosen figures that may be shown on ``site``'s page."""
    shown = []
    for item in items:
        counter = COUNTERS.get(item["figure"])
        if counter is None or site is None:
            continue
        number = counter(site, item.get("call"))
        if number is None or number < MIN_SHOWN:
            continue
        label = item.get("label") or KeyFigure(item["figure"]).label
        shown.append((label, number))
    return shown
