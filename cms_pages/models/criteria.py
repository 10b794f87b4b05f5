"""The criteria of a call: written once, shown publicly, scored by the jury, frozen once scored.

Each criterion has a weight, a scale and, if the programme team writes it,
what each note of the scale means (« 0 : problème non décrit »), shown to the
jury beside the scale.
"""

import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.api import APIField
from wagtail.models import Orderable

from core.deletion import Refused, deletion_rule
from core.text import SingleLineCharField

# The criteria of a call are written once: shown publicly and used to score.
# Once a jury scored with them, changing them would change a ranking already
# printed. The apps that score say when they are frozen (``CRITERIA_LOCKS``:
# functions of a call giving a French message, or None).
CRITERIA_LOCKS = []
# The levels' descriptions freeze with the rest: a member who gave 3 gave it
# against what 3 meant then; rewording it afterwards would change the score.
CRITERION_FIELDS = (
    "label",
    "description",
    "weight",
    "scale_min",
    "scale_max",
    "levels",
)
LEVEL_LINE = re.compile(r"^\s*(\d+)\s*[:=–—-]\s*(.*?)\s*$")


def parse_levels(text):
    """« 0 : problème non décrit » lines as [(0, "problème non décrit"), …].

    Raises ValueError with the line (1-based) that does not read as « note : texte ».
    """
    levels = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = LEVEL_LINE.match(line)
        if match is None or not match.group(2):
            raise ValueError(number)
        levels.append((int(match.group(1)), match.group(2)))
    return levels


def criteria_lock(call):
    """Why the criteria of ``call`` may no longer change, or None."""
    if call is None or call.pk is None:
        return None
    for lock in CRITERIA_LOCKS:
        message = lock(call)
        if message:
            return message
    return None


def _criterion_differs(stored, values):
    """Whether ``values`` (a mapping of CRITERION_FIELDS) change the stored criterion."""
    for name in CRITERION_FIELDS:
        old, new = getattr(stored, name), values.get(name)
        if isinstance(old, str) and isinstance(new, str):
            old, new = old.strip(), new.strip()  # forms trim what they read
        if old != new:
            return True
    return False


class SelectionCriterion(Orderable):
    """A criterion of a call, written once: shown publicly, scored by the jury."""

    page = ParentalKey(
        "cms_pages.CallPage", on_delete=models.CASCADE, related_name="criteria"
    )
    label = SingleLineCharField(_("critère"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    weight = models.DecimalField(
        _("pondération"),
        max_digits=5,
        decimal_places=2,
        default=1,
        validators=[MinValueValidator(0.01)],
        help_text=_("Poids relatif dans la note pondérée (1 par défaut)."),
    )
    scale_min = models.PositiveSmallIntegerField(_("note minimale"), default=0)
    scale_max = models.PositiveSmallIntegerField(
        _("note maximale"), default=5, validators=[MaxValueValidator(100)]
    )
    levels = models.TextField(
        _("ce que veut dire chaque note"),
        blank=True,
        help_text=_(
            "Facultatif. Une ligne par note, le chiffre puis deux-points, par "
            "exemple « 0 : problème non décrit » puis « 5 : problème chiffré et "
            "documenté ». Le jury le lit à côté de l'échelle. Inutile de décrire "
            "toutes les notes."
        ),
    )

    panels = [
        FieldPanel("label"),
        FieldPanel("description"),
        FieldRowPanel(
            [FieldPanel("weight"), FieldPanel("scale_min"), FieldPanel("scale_max")]
        ),
        FieldPanel("levels"),
    ]
    api_fields = [
        APIField("label"),
        APIField("description"),
        APIField("weight"),
        APIField("scale_min"),
        APIField("scale_max"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("critère de sélection")
        verbose_name_plural = _("critères de sélection")

    def __str__(self):
        return self.label

    def save(self, *args, **kwargs):
        """Refuse a change once the call's criteria are frozen, whatever path it takes.

        The admin form says so first; this catches a scheduled publication
        or an old draft published later.
        """
        message = criteria_lock(self.page) if self.page_id else None
        if message:
            stored = SelectionCriterion.objects.filter(pk=self.pk).first()
            values = {name: getattr(self, name) for name in CRITERION_FIELDS}
            if stored is None or _criterion_differs(stored, values):
                raise Refused(message)
        super().save(*args, **kwargs)

    @property
    def display(self):
        """« Ampleur du problème — × 2, de 0 à 5 »: what the jury scores with."""
        return _("%(label)s — × %(weight)s, de %(min)s à %(max)s") % {
            "label": self.label,
            "weight": self.weight_display,
            "min": self.scale_min,
            "max": self.scale_max,
        }

    @property
    def weight_display(self):
        """The weight as a person writes it: « 2 », « 1,5 » (never « 1E+1 »)."""
        text = f"{self.weight:f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text.replace(".", ",")

    @property
    def levels_described(self):
        """{note: what it means}, the notes described (unreadable lines left out)."""
        try:
            return dict(parse_levels(self.levels))
        except ValueError:
            return {}

    def scale(self):
        """[(note, what it means or "")] from the lowest note to the highest."""
        described = self.levels_described
        return [
            (value, described.get(value, ""))
            for value in range(self.scale_min, self.scale_max + 1)
        ]

    def clean(self):
        super().clean()
        if (
            self.scale_min is not None
            and self.scale_max is not None
            and self.scale_min >= self.scale_max
        ):
            raise ValidationError(
                {
                    "scale_max": _(
                        "La note maximale doit être supérieure à la note minimale."
                    )
                }
            )
        self.clean_levels()

    def clean_levels(self):
        """Each described note on the criterion's scale, once; French messages."""
        try:
            levels = parse_levels(self.levels)
        except ValueError as error:
            raise ValidationError(
                {
                    "levels": _(
                        "Ligne %(line)s : écrivez la note, deux-points, puis ce "
                        "qu'elle veut dire, par exemple « 3 : problème décrit "
                        "avec des exemples »."
                    )
                    % {"line": error.args[0]}
                }
            ) from error
        low, high = self.scale_min, self.scale_max
        seen = set()
        for value, _text in levels:
            if low is not None and high is not None and not low <= value <= high:
                raise ValidationError(
                    {
                        "levels": _(
                            "La note %(value)s n'existe pas : ce critère se note "
                            "de %(min)s à %(max)s."
                        )
                        % {"value": value, "min": low, "max": high}
                    }
                )
            if value in seen:
                raise ValidationError(
                    {
                        "levels": _(
                            "La note %(value)s est décrite deux fois : gardez une "
                            "seule ligne par note."
                        )
                        % {"value": value}
                    }
                )
            seen.add(value)


@deletion_rule(SelectionCriterion)
def frozen_criterion(criterion):
    return criteria_lock(criterion.page)
