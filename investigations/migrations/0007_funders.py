# Funders (« financeurs ») per site, proposed to an investigation from the kind
# of its administrations. Adds a table and a column; the programme teams (the
# groups that manage administrations) may manage funders.

import django.db.models.deletion
from django.db import migrations, models

import core.text

ACTIONS = ["add", "change", "view", "delete"]


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.get_or_create(
        app_label="investigations", model="funder"
    )
    permissions = [
        Permission.objects.get_or_create(
            content_type=content_type,
            codename=f"{action}_funder",
            defaults={"name": f"Can {action} funder"},
        )[0]
        for action in ACTIONS
    ]
    # Every programme team, each site's: the groups that manage administrations.
    for group in Group.objects.filter(
        permissions__content_type__app_label="investigations",
        permissions__codename="change_organisation",
    ).distinct():
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(
        content_type__app_label="investigations", content_type__model="funder"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("investigations", "0006_planned_dates_calendar_feeds_laureate_lists"),
        ("wagtailcore", "0098_apitoken"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="Funder",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                (
                    "name",
                    core.text.SingleLineCharField(max_length=200, verbose_name="nom"),
                ),
                (
                    "kinds",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="Une investigation dont l'administration est de l'une de ces natures se voit proposer ce financeur. Chaque nature n'a qu'un financeur par défaut.",
                        verbose_name="finance par défaut les administrations de nature",
                    ),
                ),
                (
                    "site",
                    models.ForeignKey(
                        blank=True,
                        help_text="L'incubateur dont c'est le financeur.",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="wagtailcore.site",
                        verbose_name="site",
                    ),
                ),
            ],
            options={
                "verbose_name": "financeur",
                "verbose_name_plural": "financeurs",
                "ordering": ["name"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("site", "name"),
                        name="one_funder_name_per_site",
                        violation_error_message="Un financeur porte déjà ce nom sur ce site.",
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="investigation",
            name="funder",
            field=models.ForeignKey(
                blank=True,
                help_text="Laissé vide, il est proposé à l'enregistrement d'après la nature des administrations (voir « Financeurs »). Vous pouvez le changer.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="investigations",
                to="investigations.funder",
                verbose_name="financeur",
            ),
        ),
        migrations.RunPython(grant, revoke),
    ]
