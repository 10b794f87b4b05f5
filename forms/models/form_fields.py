"""A question of the candidature form: its type, its options, its condition.

The page that holds the questions is in ``pages``; a field names it by its
label, so that the two are defined apart.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.forms.models import (
    AbstractFormField,
)

from core.text import SingleLineCharField

from ..builder import (
    CONFIRMATION_SUFFIX,
    IDENTITY_PREFIX,
    RESERVED_NAMES,
    RESERVED_PREFIX,
)
from ..choices import NON_INPUT_TYPES, OPTION_TYPES, FieldType, FileKind
from ..compound import MAX_ENTRIES, group_limits, parse_subfields
from ..conditions import Operator, values_of
from ..eligibility import rule_of
from ..fields import FileKindsField
from ..options import option_errors


class CandidatureFormField(AbstractFormField):
    page = ParentalKey(
        "forms.CandidatureFormPage",
        on_delete=models.CASCADE,
        related_name="form_fields",
    )
    field_type = models.CharField(
        _("type de champ"), max_length=16, choices=FieldType.choices
    )
    field_type.required_on_save = True
    max_length = models.PositiveIntegerField(
        _("longueur maximale"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100_000)],
        help_text=_("En caractères, pour les textes (255 et 10 000 par défaut)."),
    )
    allowed_file_types = FileKindsField(
        _("types de fichiers acceptés"),
        help_text=_(
            "Pour les fichiers joints. Par défaut : PDF, Word, OpenDocument, PNG, JPEG."
        ),
    )
    max_file_size_mb = models.DecimalField(
        _("taille maximale par fichier (Mo)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0.1), MaxValueValidator(50)],
    )
    max_files = models.PositiveSmallIntegerField(
        _("nombre de fichiers"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("1 par défaut."),
    )

    min_value = models.DecimalField(
        _("valeur minimale"),
        max_digits=20,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Pour un nombre."),
    )
    max_value = models.DecimalField(
        _("valeur maximale"),
        max_digits=20,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Pour un nombre."),
    )
    min_date = models.DateField(
        _("date au plus tôt"),
        null=True,
        blank=True,
        help_text=_("Pour une date ou une date et heure."),
    )
    max_date = models.DateField(
        _("date au plus tard"),
        null=True,
        blank=True,
        help_text=_("Pour une date ou une date et heure (ce jour compris)."),
    )
    pattern = models.CharField(
        _("format attendu (expression régulière)"),
        max_length=200,
        blank=True,
        help_text=_(
            "Pour un texte court : la réponse entière doit y correspondre, par "
            "exemple [A-Z]{2}[0-9]{4}. Donnez alors le message d'erreur."
        ),
    )
    pattern_message = SingleLineCharField(
        _("message si le format n'est pas respecté"),
        max_length=200,
        blank=True,
        help_text=_(
            "Par exemple : « Deux lettres puis quatre chiffres, comme AB1234. »"
        ),
    )
    confirm_email = models.BooleanField(
        _("faire saisir l'adresse deux fois"),
        default=False,
        help_text=_(
            "Pour une adresse électronique : une seconde case vérifie la première."
        ),
    )
    group_fields = models.TextField(
        _("sous-champs du groupe"),
        blank=True,
        help_text=_(
            "Pour un groupe répétable : un par ligne, « Libellé : type », le type parmi "
            "texte, courriel, téléphone, date, nombre (texte si rien) ; une * après le "
            "libellé le rend obligatoire dans chaque entrée remplie. Par exemple : "
            "« Nom * », « Rôle », « Courriel : courriel »."
        ),
    )
    min_entries = models.PositiveSmallIntegerField(
        _("nombre minimal d'entrées"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_ENTRIES)],
        help_text=_("Pour un groupe répétable : 0 par défaut."),
    )
    max_entries = models.PositiveSmallIntegerField(
        _("nombre maximal d'entrées"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_ENTRIES)],
        help_text=_("Pour un groupe répétable : 5 par défaut, 20 au plus."),
    )
    entry_label = SingleLineCharField(
        _("nom d'une entrée"),
        max_length=60,
        blank=True,
        help_text=_(
            "Pour un groupe répétable, au singulier avec son article : « une personne » "
            "(« Ajouter une personne », « Personne 2 »)."
        ),
    )

    condition_field = SingleLineCharField(
        _("afficher seulement si la question"),
        max_length=255,
        blank=True,
        help_text=_(
            "Le libellé d'une autre question du formulaire. Vide : toujours affiché. "
            "Sur un titre de section : toute la section."
        ),
    )
    condition_operator = models.CharField(
        _("condition"),
        max_length=16,
        choices=Operator.choices,
        default=Operator.EQUALS,
    )
    condition_values = models.TextField(
        _("valeur(s)"),
        blank=True,
        help_text=_("Une par ligne. Pour une case à cocher : « oui » ou « non »."),
    )

    eligibility_values = models.TextField(
        _("réponses qui rendent inéligible"),
        blank=True,
        help_text=_(
            "Fait de cette question une question d'éligibilité, posée seule avant le "
            "reste : une par ligne, parmi ses choix (« oui » ou « non » pour une case)."
        ),
    )
    eligibility_message = models.TextField(
        _("explication donnée alors"),
        blank=True,
        help_text=_("Par exemple : « Ce programme s'adresse aux agents publics. »"),
    )

    panels = AbstractFormField.panels + [
        MultiFieldPanel(
            [FieldPanel("eligibility_values"), FieldPanel("eligibility_message")],
            heading=_("Éligibilité"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("condition_field"),
                FieldRowPanel(
                    [FieldPanel("condition_operator"), FieldPanel("condition_values")]
                ),
            ],
            heading=_("Question conditionnelle"),
        ),
        FieldPanel("max_length"),
        FieldRowPanel([FieldPanel("min_value"), FieldPanel("max_value")]),
        FieldRowPanel([FieldPanel("min_date"), FieldPanel("max_date")]),
        FieldRowPanel([FieldPanel("pattern"), FieldPanel("pattern_message")]),
        FieldPanel("confirm_email"),
        MultiFieldPanel(
            [
                FieldPanel("group_fields"),
                FieldRowPanel([FieldPanel("min_entries"), FieldPanel("max_entries")]),
                FieldPanel("entry_label"),
            ],
            heading=_("Groupe répétable"),
        ),
        FieldRowPanel([FieldPanel("max_file_size_mb"), FieldPanel("max_files")]),
        FieldPanel("allowed_file_types"),
    ]

    class Meta(AbstractFormField.Meta):
        verbose_name = _("champ du formulaire")
        verbose_name_plural = _("champs du formulaire")

    def __str__(self):
        return self.label

    @property
    def allowed_file_kinds(self):
        kinds = (self.allowed_file_types or "").split(",")
        return [kind for kind in kinds if kind in FileKind.values]

    @property
    def is_input(self):
        return self.field_type not in NON_INPUT_TYPES

    def clean(self):
        super().clean()
        if self.get_field_clean_name().startswith(IDENTITY_PREFIX):
            raise ValidationError(
                {"label": _("Ce libellé est réservé au bloc d'identité.")}
            )
        if (
            self.get_field_clean_name() in RESERVED_NAMES
            or self.get_field_clean_name().startswith(RESERVED_PREFIX)
            or self.get_field_clean_name().endswith(CONFIRMATION_SUFFIX)
        ):
            raise ValidationError(
                {
                    "label": _(
                        "Ce libellé est réservé au formulaire lui-même : précisez-le "
                        "(par exemple « Site web du projet »)."
                    )
                }
            )
        unknown = set(filter(None, (self.allowed_file_types or "").split(","))) - set(
            FileKind.values
        )
        if unknown:
            raise ValidationError(
                {
                    "allowed_file_types": _("Types inconnus : %s")
                    % ", ".join(sorted(unknown))
                }
            )
        errors = option_errors(self)
        if errors:
            raise ValidationError(errors)

    def options(self):
        """The options this field's type uses, set (JSON-ready), for its definition."""
        values = {}
        for name, types in OPTION_TYPES.items():
            value = getattr(self, name)
            unset = value is None or value == "" or value is False  # 0 is a bound
            if self.field_type in types and not unset:
                values[name] = str(value) if not isinstance(value, bool) else value
        return values

    def definition(self):
        """What a candidature keeps of this field: enough to read its answer later."""
        definition = {
            "name": self.clean_name or self.get_field_clean_name(),
            "label": self.label,
            "type": self.field_type,
            "choices": self.choices,
            "help_text": self.help_text,
        }
        if options := self.options():  # absent when none: earlier digests unchanged
            definition["options"] = options
        if self.field_type == FieldType.GROUP:
            low, high = group_limits(self.min_entries, self.max_entries)
            definition["group"] = {
                "subfields": parse_subfields(self.group_fields)[0],
                "min": low,
                "max": high,
                "entry_label": self.entry_label,
            }
        if rule := rule_of(self):
            definition["eligibility"] = {"excluded": rule[0], "message": rule[1]}
        if self.condition_field:
            definition["condition"] = {
                "field": self.condition_field,
                "operator": self.condition_operator,
                "values": values_of(self.condition_values),
            }
        return definition
