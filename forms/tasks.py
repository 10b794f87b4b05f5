from django_tasks import task

from . import emails


@task()
def send_candidature_emails(candidature_id):
    emails.send_candidature_emails(candidature_id)
