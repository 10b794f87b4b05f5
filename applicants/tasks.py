from django_tasks import task

from . import emails


@task()
def send_links(email, site_id):
    emails.send_links(email, site_id)


@task()
def send_draft_link(draft_id):
    emails.send_draft_link(draft_id)


@task()
def notify_message(message_id):
    emails.notify_message(message_id)
