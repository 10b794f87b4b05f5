# A review round may be standing: it takes each candidature of its call as it
# gets the round's entry status. Adds a column only.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("selection", "0009_discussion_closing_and_criterion_comments"),
    ]

    operations = [
        migrations.AddField(
            model_name="reviewround",
            name="standing",
            field=models.BooleanField(
                default=False,
                help_text="Chaque candidature de l'appel qui prend le statut d'entrée du tour (« Recevable » pour une pré-sélection) y entre d'elle-même, dès la décision. Le bouton « Ajouter les candidatures attendues » reste disponible.",
                verbose_name="tour permanent (au fil de l'eau)",
            ),
        ),
    ]
