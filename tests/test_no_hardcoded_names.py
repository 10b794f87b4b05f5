"""No ministry, incubator or person is written in the code: they are settings or demo data.

The names come from two places: what the demo loads (its authority, its
incubator, its people, its administrations), read back from the database, and
patterns that any real ministry or State address would match. Every file a fork
would ship is searched, except the demo itself, the tests and the docs.
"""

import io
import re
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
DEMO_ONLY = (
    "tests/",
    "docs/",
    "bench/",
    "demo/",
)
SHIPPED = (
    ".py",
    ".html",
    ".txt",
    ".css",
    ".js",
    ".toml",
    ".yml",
    ".yaml",
    ".example",
    ".cfg",
)
PATTERNS = [
    re.compile(r"Minist[èe]re (?:de la |de l'|des |du |de )\w+"),
    re.compile(r"[\w.+-]+@(?!example\.)[\w-]+\.gouv\.fr"),
]


def shipped_files():
    listed = subprocess.run(  # noqa: S603
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    for name in listed:
        path = ROOT / name
        if name.startswith(DEMO_ONLY) or "/migrations/" in name or not path.is_file():
            continue
        if name.endswith(SHIPPED) or path.name in (
            "Dockerfile",
            "Procfile",
            "Makefile",
        ):
            yield name, path.read_text(encoding="utf-8", errors="ignore")


def demo_names():
    from cms_pages.models import SiteIdentity
    from forms.models import Candidature
    from investigations.models import Investigation, Organisation

    names = set()
    for identity in SiteIdentity.objects.all():
        names |= {
            " ".join(identity.name_line_list),
            identity.service_title,
            identity.tagline,
            identity.contact_email,
        }
    names |= {user.get_full_name() for user in User.objects.all()}
    names |= set(Organisation.objects.values_list("name", flat=True))
    names |= set(Candidature.objects.values_list("applicant_name", flat=True))
    names |= set(Candidature.objects.values_list("administration", flat=True))
    for people in Investigation.objects.values_list(
        "coach", "designer", "referent", "sponsor"
    ):
        names |= set(people)
    return {name for name in names if name and len(name) > 4}


@pytest.mark.django_db
def test_no_name_of_the_demo_or_of_a_ministry_is_hard_coded():
    call_command("load_demo_content", stdout=io.StringIO())
    names = demo_names()
    assert "Ministère de la Démonstration" in names, "the demo's authority is read back"
    found = []
    for name, text in shipped_files():
        found += [f"{name}: « {n} »" for n in names if n in text]
        found += [
            f"{name}: « {m.group(0)} »" for p in PATTERNS for m in p.finditer(text)
        ]
    assert not found, (
        "Hard-coded names (use settings, site settings or demo data):\n"
        + "\n".join(found)
    )
