# Invitations of jury members, removal of a member kept as a mark, the round's
# evaluation deadline and the reminders sent before it.

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('selection', '0006_notification_letter'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='reviewround',
            name='evaluation_deadline',
            field=models.DateField(blank=True, help_text='Les membres qui ont encore des dossiers à noter reçoivent un rappel par courriel avant cette date, puis le jour même.', null=True, verbose_name='date limite des évaluations'),
        ),
        migrations.AddField(
            model_name='reviewround',
            name='reminder_days',
            field=models.PositiveSmallIntegerField(default=3, help_text='0 : un seul rappel, le jour même.', validators=[django.core.validators.MaxValueValidator(60)], verbose_name='rappel, nombre de jours avant la date limite'),
        ),
        migrations.AddField(
            model_name='roundmember',
            name='removed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='retiré du tour le'),
        ),
        migrations.AddField(
            model_name='roundmember',
            name='removed_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='retiré par'),
        ),
        migrations.CreateModel(
            name='JuryInvitation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('email', models.EmailField(max_length=254, verbose_name='adresse')),
                ('token_hash', models.CharField(blank=True, db_index=True, max_length=64)),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='créée le')),
                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='envoyée le')),
                ('expires_at', models.DateTimeField(blank=True, null=True, verbose_name="valable jusqu'au")),
                ('accepted_at', models.DateTimeField(blank=True, null=True, verbose_name='acceptée le')),
                ('replaced_at', models.DateTimeField(blank=True, null=True, verbose_name='remplacée par un nouveau lien le')),
                ('invited_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='invitée par')),
                ('round', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='invitations', to='selection.reviewround', verbose_name='tour')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='jury_invitations', to=settings.AUTH_USER_MODEL, verbose_name='personne invitée')),
            ],
            options={
                'verbose_name': "invitation d'un membre",
                'verbose_name_plural': 'invitations des membres',
                'ordering': ['-created_at', '-pk'],
                'indexes': [models.Index(fields=['round', 'user'], name='jury_invitation_round_user')],
            },
        ),
        migrations.CreateModel(
            name='JuryReminder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('before', 'Avant la date limite'), ('day', 'Le jour de la date limite')], max_length=10, verbose_name='rappel')),
                ('deadline', models.DateField(verbose_name='date limite rappelée')),
                ('pending', models.PositiveIntegerField(default=0, verbose_name='dossiers à noter')),
                ('sent_at', models.DateTimeField(auto_now_add=True, verbose_name='envoyé le')),
                ('member', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='jury_reminders', to=settings.AUTH_USER_MODEL, verbose_name='membre')),
                ('round', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to='selection.reviewround')),
            ],
            options={
                'verbose_name': 'rappel aux membres',
                'verbose_name_plural': 'rappels aux membres',
                'ordering': ['sent_at', 'pk'],
                'constraints': [models.UniqueConstraint(fields=('round', 'member', 'kind', 'deadline'), name='one_reminder_per_member_and_deadline')],
            },
        ),
    ]
