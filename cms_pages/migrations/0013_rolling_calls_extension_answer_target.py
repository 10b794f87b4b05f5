# Calls « au fil de l'eau » (no closing date), the original closing date kept
# when a published call's closing is moved later, and the target for a first
# answer. Adds columns only.

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cms_pages", "0012_criterion_levels_described"),
    ]

    operations = [
        migrations.AddField(
            model_name="callpage",
            name="first_answer_target_days",
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text="Par exemple 10. Le tableau de bord signale les candidatures encore « Reçues » qui attendent depuis plus longtemps (du lundi au vendredi, jours fériés nationaux exclus). Vide : pas de délai visé.",
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(250),
                ],
                verbose_name="délai visé pour une première réponse (jours ouvrés)",
            ),
        ),
        migrations.AddField(
            model_name="callpage",
            name="initial_closes_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="Enregistrée d'elle-même au premier report de la clôture d'un appel publié, et affichée sur la page publique.",
                null=True,
                verbose_name="clôture initialement prévue",
            ),
        ),
        migrations.AddField(
            model_name="callpage",
            name="rolling",
            field=models.BooleanField(
                default=False,
                help_text="Les candidatures sont reçues et examinées au fur et à mesure. La clôture peut alors rester vide : l'appel reste ouvert jusqu'à ce que vous indiquiez une date de clôture.",
                verbose_name="appel au fil de l'eau",
            ),
        ),
        migrations.AlterField(
            model_name="callpage",
            name="closes_at",
            field=models.DateTimeField(
                blank=True,
                help_text="Date et heure, heure de Paris. La minute indiquée compte encore : « 23:59 » accepte les candidatures jusqu'à 23:59:59. Une fois des candidatures reçues, elle peut être reportée, jamais avancée.",
                null=True,
                verbose_name="clôture des candidatures",
            ),
        ),
    ]
