"""Factories for candidature forms and candidatures (tests, demo, benchmarks)."""

import factory
import wagtail_factories
from django.utils import timezone

from cms_pages.factories import add_inline_rows

from . import models
from .choices import Status


class CandidatureFormPageFactory(wagtail_factories.PageFactory):
    title = "Déposer une candidature"
    slug = "candidater"
    introduction = "Quelques minutes suffisent. Vous pourrez déposer d'autres candidatures ensuite."
    confirmation_text = "<p>Merci ! L'équipe du programme reviendra vers vous après la pré-sélection.</p>"

    class Meta:
        model = models.CandidatureFormPage
        django_get_or_create = ("slug", "parent")
        skip_postgeneration_save = True

    @factory.post_generation
    def fields(obj, create, extracted, **kwargs):
        """``fields=[{...}, ...]`` adds these fields if the form has none yet."""
        if create:
            add_inline_rows(
                obj,
                "form_fields",
                extracted,
                models.CandidatureFormField.objects.create,
            )


DEMO_FIELDS = [
    {
        "label": "Le problème",
        "field_type": "multiline",
        "max_length": 3000,
        "help_text": "Décrivez en quelques phrases la situation que vous voulez améliorer.",
    },
    {
        "label": "Ses conséquences pour les usagers",
        "field_type": "multiline",
        "max_length": 3000,
        "help_text": "Qui en souffre, et comment : temps perdu, droits non exercés, erreurs…",
    },
    {
        "label": "Combien de personnes sont concernées ?",
        "field_type": "dropdown",
        "choices": "Moins de 1 000\nDe 1 000 à 100 000\nPlus de 100 000\nJe ne sais pas",
    },
    {
        "label": "Votre idée de solution",
        "field_type": "multiline",
        "max_length": 3000,
        "required": False,
        "help_text": "Même une piste modeste : elle sera mise à l'épreuve pendant l'investigation.",
    },
    {
        "label": "Documents utiles",
        "field_type": "section",
        "help_text": "Un rapport, une note, des chiffres : tout ce qui aide le jury à comprendre.",
    },
    {
        "label": "Pièces jointes",
        "field_type": "file",
        "required": False,
        "max_files": 3,
        "max_file_size_mb": 10,
        "allowed_file_types": "pdf,docx,odt,png,jpg",
    },
    {
        "label": "Je suis disponible pour l'investigation si mon projet est retenu",
        "field_type": "checkbox",
        "required": False,
    },
]


class CandidatureFactory(factory.django.DjangoModelFactory):
    """A candidature stored directly (no form, no email): for lists and exports."""

    page = None
    call = factory.LazyAttribute(lambda o: o.page.call)
    reference = factory.Sequence(lambda n: f"TST-{timezone.now().year}-{n + 1:05d}")
    definition = factory.LazyAttribute(lambda o: o.page.get_definition())
    applicant_name = factory.Faker("name", locale="fr_FR")
    applicant_email = factory.Faker("email", locale="fr_FR")
    administration = factory.Faker("company", locale="fr_FR")
    service = factory.Faker("job", locale="fr_FR")
    status = Status.RECEIVED
    form_data = factory.LazyAttribute(
        lambda o: {
            f["name"]: f"Réponse à « {f['label']} »"
            for f in o.definition.fields
            if f["type"] != "file"
        }
    )

    class Meta:
        model = models.Candidature
