from django_tasks import task

from . import services


@task()
def run_export(job_id):
    services.run_job(str(job_id))
