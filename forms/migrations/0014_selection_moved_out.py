"""Rounds, members, evaluations and decision emails now belong to ``selection``.

State only: their tables are taken over as they are by ``selection`` (its
0001 records them under their old names, its 0002 renames them). Not a row is
touched here.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('forms', '0013_selection_integrity'),
        ('selection', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='evaluationreopening',
                    name='evaluation',
                ),
                migrations.RemoveField(
                    model_name='evaluationreopening',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='notification',
                    name='candidature',
                ),
                migrations.RemoveField(
                    model_name='notification',
                    name='prepared_by',
                ),
                migrations.RemoveField(
                    model_name='notification',
                    name='released_by',
                ),
                migrations.RemoveField(
                    model_name='notification',
                    name='template',
                ),
                migrations.RemoveField(
                    model_name='notificationtemplate',
                    name='call',
                ),
                migrations.RemoveField(
                    model_name='notificationtemplate',
                    name='site',
                ),
                migrations.RemoveField(
                    model_name='reviewround',
                    name='call',
                ),
                migrations.RemoveField(
                    model_name='reviewround',
                    name='candidatures',
                ),
                migrations.RemoveField(
                    model_name='roundmember',
                    name='round',
                ),
                migrations.RemoveField(
                    model_name='roundmember',
                    name='user',
                ),
                migrations.DeleteModel(
                    name='Evaluation',
                ),
                migrations.DeleteModel(
                    name='EvaluationReopening',
                ),
                migrations.DeleteModel(
                    name='Notification',
                ),
                migrations.DeleteModel(
                    name='NotificationTemplate',
                ),
                migrations.DeleteModel(
                    name='ReviewRound',
                ),
                migrations.DeleteModel(
                    name='RoundMember',
                ),
            ],
            database_operations=[],
        ),
    ]
