from django_tasks import task

from . import emails


@task()
def send_candidature_emails(candidature_id):
    emails.send_candidature_emails(candidature_id)


@task()
def send_notification(notification_id):
    from . import notifications

    notifications.send_notification(notification_id)
