"""The selection's models, moved from ``forms`` with their rows.

The state records the tables as they are (``forms_…``), so that nothing is
created; the content types move to this app, so that the groups' permissions
(« sit on a round », « change a round »…) and Wagtail's history entries follow
them. 0002 renames the tables.
"""

import core.text
import django.db.models.deletion
import modelcluster.fields
from django.conf import settings
from django.db import migrations, models


MOVED = [
    "reviewround",
    "roundmember",
    "evaluation",
    "evaluationreopening",
    "notificationtemplate",
    "notification",
]


def _move(apps, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    for model in MOVED:
        old = ContentType.objects.filter(app_label=source, model=model).first()
        if old is None:
            continue
        new = ContentType.objects.filter(app_label=target, model=model).first()
        if new is None:
            old.app_label = target
            old.save(update_fields=["app_label"])
            continue
        # Both exist (a database where the target was made first): keep the
        # target, give it what pointed at the old one.
        for permission in Permission.objects.filter(content_type=old):
            if Permission.objects.filter(
                content_type=new, codename=permission.codename
            ).exists():
                kept = Permission.objects.get(content_type=new, codename=permission.codename)
                for group in permission.group_set.all():
                    group.permissions.add(kept)
                permission.delete()
            else:
                permission.content_type = new
                permission.save(update_fields=["content_type"])
        old.delete()


def move_content_types(apps, schema_editor):
    _move(apps, "forms", "selection")


def move_content_types_back(apps, schema_editor):
    _move(apps, "selection", "forms")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('cms_pages', '0010_one_line_texts'),
        ('forms', '0013_selection_integrity'),
        ('wagtailcore', '0098_apitoken'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Evaluation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('scores', models.JSONField(blank=True, default=dict, verbose_name='notes')),
                        ('comment', models.TextField(blank=True, verbose_name='commentaire')),
                        ('conflict_of_interest', models.BooleanField(default=False, verbose_name="conflit d'intérêts")),
                        ('conflict_note', core.text.SingleLineCharField(blank=True, max_length=300, verbose_name='précision sur le conflit')),
                        ('submitted_at', models.DateTimeField(blank=True, null=True, verbose_name='évaluation rendue le')),
                        ('reopened_count', models.PositiveSmallIntegerField(default=0, verbose_name='réouvertures')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='modifiée le')),
                        ('candidature', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='evaluations', to='forms.candidature')),
                        ('entered_by', models.ForeignKey(blank=True, help_text="Vide : par le membre lui-même ; sinon, importée par l'équipe.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='saisie par')),
                        ('member', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='evaluations', to=settings.AUTH_USER_MODEL, verbose_name='membre')),
                    ],
                    options={
                        'db_table': 'forms_evaluation',
                        'verbose_name': 'évaluation',
                        'verbose_name_plural': 'évaluations',
                    },
                ),
                migrations.CreateModel(
                    name='EvaluationReopening',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('reason', models.TextField(verbose_name='motif')),
                        ('previous_scores', models.JSONField(default=dict, verbose_name='notes avant réouverture')),
                        ('previous_conflict_of_interest', models.BooleanField(default=False)),
                        ('previous_submitted_at', models.DateTimeField(verbose_name='rendue le')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='rouverte le')),
                        ('evaluation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reopenings', to='selection.evaluation')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='rouverte par')),
                    ],
                    options={
                        'db_table': 'forms_evaluationreopening',
                        'verbose_name': "réouverture d'une évaluation",
                        'verbose_name_plural': "réouvertures d'évaluations",
                        'ordering': ['created_at', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='NotificationTemplate',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('status', models.CharField(choices=[('eligible', 'Recevable'), ('ineligible', 'Irrecevable'), ('preselected', 'Pré-sélectionnée'), ('not_preselected', 'Non pré-sélectionnée'), ('selected', 'Lauréate'), ('not_selected', 'Non retenue')], max_length=20, verbose_name='statut annoncé')),
                        ('subject', core.text.SingleLineCharField(max_length=200, verbose_name='objet')),
                        ('body', models.TextField(help_text="Remplacés à l'envoi : {nom}, {reference}, {appel}, {statut}, {motif}.", verbose_name='texte')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='modifié le')),
                        ('call', models.ForeignKey(blank=True, help_text="Vide : le modèle vaut pour tous les appels du site qui n'ont pas le leur.", null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notification_templates', to='cms_pages.callpage', verbose_name='appel')),
                        ('site', models.ForeignKey(blank=True, help_text="Le site de l'appel ; pour un modèle valable pour tous ses appels.", null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='wagtailcore.site', verbose_name='site')),
                    ],
                    options={
                        'db_table': 'forms_notificationtemplate',
                        'verbose_name': 'modèle de courriel',
                        'verbose_name_plural': 'modèles de courriel',
                    },
                ),
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('status', models.CharField(choices=[('received', 'Reçue'), ('eligible', 'Recevable'), ('ineligible', 'Irrecevable'), ('preselected', 'Pré-sélectionnée'), ('not_preselected', 'Non pré-sélectionnée'), ('selected', 'Lauréate'), ('not_selected', 'Non retenue'), ('withdrawn', 'Retirée'), ('cancelled', 'Annulée')], max_length=20, verbose_name='statut annoncé')),
                        ('subject', models.CharField(max_length=250, verbose_name='objet')),
                        ('body', models.TextField(verbose_name='texte')),
                        ('state', models.CharField(choices=[('prepared', 'Préparé'), ('released', "En cours d'envoi"), ('sent', 'Envoyé'), ('failed', 'Échec')], default='prepared', max_length=10, verbose_name='état')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='préparé le')),
                        ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='envoyé le')),
                        ('error', models.TextField(blank=True)),
                        ('candidature', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='forms.candidature')),
                        ('prepared_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='préparé par')),
                        ('released_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='envoyé par')),
                        ('template', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='notifications', to='selection.notificationtemplate', verbose_name='modèle')),
                    ],
                    options={
                        'db_table': 'forms_notification',
                        'verbose_name': 'notification',
                        'verbose_name_plural': 'notifications',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='ReviewRound',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('preselection', 'Pré-sélection (jury)'), ('selection', 'Sélection (comité)')], max_length=20, verbose_name='étape')),
                        ('starts_on', models.DateField(blank=True, null=True, verbose_name='début des évaluations')),
                        ('ends_on', models.DateField(blank=True, null=True, verbose_name='date de la réunion')),
                        ('others_scores', models.CharField(choices=[('after_own', 'Sur un dossier, une fois sa propre évaluation rendue ; le classement, une fois tous ses dossiers évalués'), ('after_meeting', 'À partir de la date de la réunion'), ('never', "Jamais : seule l'équipe programme les voit")], default='after_own', help_text="Quand un membre peut voir les notes et commentaires des autres, et le classement dans son cahier personnel. Une évaluation rendue ne se modifie plus : seule l'équipe programme peut la rouvrir, avec un motif.", max_length=20, verbose_name='notes des autres membres')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='créé le')),
                        ('call', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='review_rounds', to='cms_pages.callpage', verbose_name='appel')),
                        ('candidatures', models.ManyToManyField(blank=True, related_name='review_rounds', to='forms.candidature', verbose_name='candidatures examinées')),
                    ],
                    options={
                        'db_table': 'forms_reviewround',
                        'verbose_name': "tour d'examen",
                        'verbose_name_plural': "tours d'examen",
                        'ordering': ['-created_at'],
                        'permissions': [('sit_on_round', "Peut siéger dans un tour d'examen")],
                    },
                ),
                migrations.AddField(
                    model_name='evaluation',
                    name='round',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='evaluations', to='selection.reviewround'),
                ),
                migrations.CreateModel(
                    name='RoundMember',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('sort_order', models.IntegerField(blank=True, editable=False, null=True)),
                        ('administration', core.text.SingleLineCharField(blank=True, help_text="Sert à signaler les conflits d'intérêts probables.", max_length=200, verbose_name='administration du membre')),
                        ('round', modelcluster.fields.ParentalKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='selection.reviewround')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='round_memberships', to=settings.AUTH_USER_MODEL, verbose_name='membre')),
                    ],
                    options={
                        'db_table': 'forms_roundmember',
                        'verbose_name': 'membre',
                        'verbose_name_plural': 'membres',
                        'ordering': ['sort_order'],
                        'abstract': False,
                    },
                ),
                migrations.AddConstraint(
                    model_name='notificationtemplate',
                    constraint=models.UniqueConstraint(fields=('call', 'status'), name='one_template_per_status'),
                ),
                migrations.AddConstraint(
                    model_name='notificationtemplate',
                    constraint=models.UniqueConstraint(condition=models.Q(('call__isnull', True)), fields=('site', 'status'), name='one_default_template_per_status', violation_error_message='Un modèle pour tous les appels du site existe déjà pour ce statut.'),
                ),
                migrations.AddConstraint(
                    model_name='notification',
                    constraint=models.UniqueConstraint(fields=('candidature', 'status'), name='one_notification_per_decision'),
                ),
                migrations.AddConstraint(
                    model_name='reviewround',
                    constraint=models.UniqueConstraint(fields=('call', 'kind'), name='one_round_per_kind_per_call'),
                ),
                migrations.AddIndex(
                    model_name='evaluation',
                    index=models.Index(fields=['round', 'member'], name='forms_evalu_round_i_4d3114_idx'),
                ),
                migrations.AddConstraint(
                    model_name='evaluation',
                    constraint=models.UniqueConstraint(fields=('round', 'candidature', 'member'), name='one_evaluation_per_member'),
                ),
                migrations.AddConstraint(
                    model_name='roundmember',
                    constraint=models.UniqueConstraint(fields=('round', 'user'), name='one_membership_per_round'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
