"""A database filled by the previous main migrates to this code without losing a row.

The previous main is taken from git (``PREVIOUS_MAIN``, the last version that
went live before the selection moved out of ``forms``). Its own code migrates
a new database, loads its demo and adds what the demo lacks (evaluations, a
decision, an email, history); then this code migrates the same database, and
every candidature, evaluation, round, member, decision, email, template,
history entry and group permission is read back, unchanged. The database is
a file for SQLite, a new database on the server of ``DATABASE_URL`` for
PostgreSQL: the suite runs this test on both.
"""

import json
import os
import subprocess
import sys
import tarfile
import uuid
from io import BytesIO
from pathlib import Path

import dj_database_url
import pytest
from django.db import connections

ROOT = Path(__file__).resolve().parent.parent
PREVIOUS_MAIN = "6dadca5035135d7eef4913ed005e31d466d5c68f"

FILL = """
from django.utils import timezone
from forms.models import (
    Candidature, Evaluation, Notification, NotificationTemplate, ReviewRound
)
from forms.services import change_status

review_round = ReviewRound.objects.order_by("pk").first()
member = review_round.memberships.first().user
for candidature in review_round.candidatures.order_by("pk")[:3]:
    Evaluation.objects.create(
        round=review_round,
        candidature=candidature,
        member=member,
        scores={str(c.pk): 3 for c in review_round.call.criteria.all()},
        comment="Solide",
        submitted_at=timezone.now(),
    )
received = Candidature.objects.filter(status="received").order_by("pk").first()
change_status(received, "eligible", reason="Complet")
NotificationTemplate.objects.get_or_create(
    call=received.call,
    status="eligible",
    defaults={"subject": "Recevable", "body": "Bonjour {nom}"},
)
Notification.objects.create(
    candidature=received, status="eligible", subject="Recevable", body="Bonjour"
)
"""

# Run by each version: the models are found by name, wherever they live.
SNAPSHOT = """
import json
from django.apps import apps
from django.contrib.auth.models import Group
from django.db.models import Q

def model(name):
    return next(m for m in apps.get_models() if m.__name__ == name)

FIELDS = {
    "Candidature": ["reference", "status", "applicant_email", "form_data", "call_id"],
    "CandidatureStatusChange": ["candidature_id", "from_status", "to_status", "reason"],
    "ReviewRound": ["call_id", "kind"],
    "RoundMember": ["round_id", "user_id", "administration"],
    "Evaluation": ["round_id", "candidature_id", "member_id", "scores", "comment", "submitted_at"],
    "Notification": ["candidature_id", "status", "subject", "body", "state"],
    "NotificationTemplate": ["call_id", "status", "subject", "body"],
    "Investigation": ["title", "candidature_id", "call_id"],
    "CandidatureAttachment": ["candidature_id", "original_name", "sha256"],
}
snapshot = {}
for name, fields in FIELDS.items():
    rows = model(name).objects.order_by("pk").values_list("pk", *fields)
    snapshot[name] = [[str(value) for value in row] for row in rows]
snapshot["members of rounds"] = sorted(
    str(pair) for pair in model("ReviewRound").candidatures.through.objects.values_list(
        "reviewround_id", "candidature_id"
    )
)
snapshot["history"] = [
    [entry.pk, entry.action, entry.object_id, entry.content_type.model]
    for entry in model("ModelLogEntry").objects.order_by("pk")
]
snapshot["history apps"] = sorted(
    {entry.content_type.app_label + "." + entry.content_type.model
     for entry in model("ModelLogEntry").objects.all()}
)
snapshot["permissions"] = {
    group.name: sorted(
        p.content_type.app_label + "." + p.codename for p in group.permissions.all()
    )
    for group in Group.objects.order_by("name")
}
juror = model("RoundMember").objects.order_by("pk").first().user
snapshot["juror may sit"] = [
    juror.has_perm("forms.sit_on_round"), juror.has_perm("selection.sit_on_round")
]
Notification = model("Notification")
snapshot["emails with their template"] = (
    Notification.objects.filter(template__isnull=False).count()
    if any(f.name == "template" for f in Notification._meta.get_fields())
    else 0
)
Candidature = model("Candidature")
snapshot["candidatures without duplicate keys"] = (
    Candidature.objects.filter(anonymised_at=None)
    .filter(Q(email_key="") | Q(identity_key=""))
    .count()
    if any(f.name == "identity_key" for f in Candidature._meta.get_fields())
    else None
)
Evaluation = model("Evaluation")
snapshot["weighted scores"] = (
    sorted(
        str(value)
        for value in Evaluation.objects.filter(submitted_at__isnull=False)
        .values_list("weighted", flat=True)
    )
    if any(f.name == "weighted" for f in Evaluation._meta.get_fields())
    else None
)
print("SNAPSHOT", json.dumps(snapshot))
"""


def scratch_database(tmp_path):
    """A new, empty database on the engine the suite runs on; and how to drop it."""
    if connections["default"].vendor == "sqlite":
        return f"sqlite:///{tmp_path / 'previous.sqlite3'}", lambda: None
    import psycopg

    name = f"amorce_migrations_{uuid.uuid4().hex[:8]}"
    server = dj_database_url.parse(os.environ["DATABASE_URL"])
    connect = {
        "host": server["HOST"] or "127.0.0.1",
        "port": server["PORT"] or 5432,
        "user": server["USER"] or "postgres",
        "password": server["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**connect) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(**connect) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    url = (
        f"postgres://{connect['user']}"
        f"{':' + connect['password'] if connect['password'] else ''}"
        f"@{connect['host']}:{connect['port']}/{name}"
    )
    return url, drop


def manage(tree, database_url, *args, stdin=None):
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "amorce.settings.test",
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=tree,
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def snapshot(output):
    line = next(line for line in output.splitlines() if line.startswith("SNAPSHOT "))
    return json.loads(line.removeprefix("SNAPSHOT "))


def previous_main(tmp_path):
    """The previous main's files, from git (no work tree of its own to clean up)."""
    found = subprocess.run(  # noqa: S603
        ["git", "cat-file", "-e", f"{PREVIOUS_MAIN}^{{commit}}"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    assert found.returncode == 0, (
        f"The previous main ({PREVIOUS_MAIN[:8]}) is not in this clone: a shallow "
        "clone? `git fetch --unshallow` brings it."
    )
    archive = subprocess.run(  # noqa: S603
        ["git", "archive", "--format=tar", PREVIOUS_MAIN],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    tree = tmp_path / "previous"
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(tree, filter="data")
    return tree


@pytest.mark.django_db(transaction=False)
def test_the_previous_mains_data_survives_the_migrations(tmp_path):
    tree = previous_main(tmp_path)
    database_url, drop = scratch_database(tmp_path)
    try:
        manage(tree, database_url, "migrate", "--no-input", "-v0")
        manage(tree, database_url, "load_demo_content")
        manage(tree, database_url, "shell", stdin=FILL)
        before = snapshot(manage(tree, database_url, "shell", stdin=SNAPSHOT))

        manage(ROOT, database_url, "migrate", "--no-input", "-v0")
        after = snapshot(manage(ROOT, database_url, "shell", stdin=SNAPSHOT))
    finally:
        drop()

    assert len(before["Candidature"]) >= 9 and len(before["Evaluation"]) == 3
    assert before["CandidatureStatusChange"] and before["history"]
    rows_of = [name for name in before if name[0].isupper()] + [
        "members of rounds",
        "history",
    ]
    for name in rows_of:
        assert after[name] == before[name], name

    # The content types moved with the models: the groups' permissions and the
    # history entries now name the selection app, and still apply.
    for group, permissions in before["permissions"].items():
        assert {renamed(label) for label in permissions} <= set(
            after["permissions"][group]
        ), group
    assert before["juror may sit"] == [True, False]
    assert after["juror may sit"] == [False, True]
    assert not [
        label
        for label in after["history apps"]
        if label.split(".")[0] == "forms" and label.split(".")[1] in MOVED
    ]
    assert after["emails with their template"] == 1, (
        "the earlier email names its template"
    )
    # Each stored evaluation scored 3 on every criterion: 60 out of 100 on
    # scales of 0 to 5, filled in by the migration for the database to rank.
    assert after["weighted scores"] == ["60.0"] * 3
    assert after["candidatures without duplicate keys"] == 0, (
        "the keys that find likely duplicates are filled for stored candidatures"
    )


MOVED = {
    "reviewround",
    "roundmember",
    "evaluation",
    "notificationtemplate",
    "notification",
}
MOVED_CODENAMES = {
    f"{action}_{model}"
    for action in ("add", "change", "delete", "view")
    for model in MOVED
} | {"sit_on_round"}


def renamed(label):
    """A permission as it is named once the selection's models left ``forms``."""
    app, codename = label.split(".")
    return (
        f"selection.{codename}"
        if app == "forms" and codename in MOVED_CODENAMES
        else label
    )
