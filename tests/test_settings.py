"""Configuration comes from the environment, and production refuses to start half-set."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ROOT / "site" / "amorce" / "settings"


def read_variables():
    pattern = re.compile(
        r"""(?:os\.environ\.get|env_bool|env_list|env_rate)\(\s*["']([A-Z][A-Z0-9_]*)["']"""
    )
    names = set()
    for path in SETTINGS.glob("*.py"):
        names |= set(pattern.findall(path.read_text()))
    return names


def test_env_example_documents_every_variable():
    """Every variable the settings read is in .env.example."""
    documented = (ROOT / ".env.example").read_text()
    missing = sorted(name for name in read_variables() if name not in documented)
    assert not missing, f"not in .env.example: {missing}"


def run_production_settings(**env):
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "AMORCE_ANTIVIRUS", "AMORCE_CLAMD"}
    }
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={
            **base,
            "DJANGO_SETTINGS_MODULE": "amorce.settings.production",
            "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'site'}",
            **env,
        },
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


def test_production_refuses_to_start_without_secret_key():
    result = run_production_settings(ALLOWED_HOSTS="example.org")
    assert result.returncode != 0
    assert "SECRET_KEY doit être défini" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_production_settings(SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS doit être défini" in result.stderr


def test_production_starts_when_both_are_set():
    result = run_production_settings(
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="example.org",
        AMORCE_CLAMD="unix:///run/clamav/clamd.ctl",
    )
    assert result.returncode == 0, result.stderr


REQUIRED = {"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "example.org"}


def test_production_refuses_to_start_without_a_word_on_the_antivirus():
    """Never off by omission: a forgotten AMORCE_CLAMD would serve unscanned files."""
    result = run_production_settings(**REQUIRED)
    assert result.returncode != 0
    assert "AMORCE_CLAMD (l'adresse de clamd) ou AMORCE_ANTIVIRUS" in result.stderr
    # « AMORCE_ANTIVIRUS= » (a blank line of a .env file, a compose default) is
    # not a word either, and does not switch off what AMORCE_CLAMD turns on.
    result = run_production_settings(**REQUIRED, AMORCE_ANTIVIRUS=" ", AMORCE_CLAMD="")
    assert result.returncode != 0
    assert "AMORCE_CLAMD (l'adresse de clamd) ou AMORCE_ANTIVIRUS" in result.stderr
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.AMORCE_ANTIVIRUS)"
    )
    on = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-c", script],
        env={
            **os.environ,
            **REQUIRED,
            "DJANGO_SETTINGS_MODULE": "amorce.settings.production",
            "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'site'}",
            "AMORCE_CLAMD": "tcp://127.0.0.1:3310",
            "AMORCE_ANTIVIRUS": "",
        },
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert on.stdout.strip() == "True", on.stderr
    result = run_production_settings(**REQUIRED, AMORCE_ANTIVIRUS="peut-être")
    assert result.returncode != 0
    assert "AMORCE_ANTIVIRUS doit valoir « on » ou « off »" in result.stderr


def test_production_starts_with_the_antivirus_explicitly_off_and_warns():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        env={
            **{
                k: v
                for k, v in os.environ.items()
                if k not in {"AMORCE_CLAMD", "DJANGO_SETTINGS_MODULE"}
            },
            **REQUIRED,
            "DJANGO_SETTINGS_MODULE": "amorce.settings.production",
            "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'site'}",
            "AMORCE_ANTIVIRUS": "off",
        },
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert "amorce.W001" in result.stdout + result.stderr
    assert "AMORCE_ANTIVIRUS=off" in result.stderr


def test_api_origins_come_from_the_environment():
    """AMORCE_API_ALLOWED_ORIGINS gives django-cors-headers its origins; "*" any origin."""
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CORS_ALLOW_ALL_ORIGINS, s.CORS_ALLOWED_ORIGINS)"
    )

    def cors(origins):
        result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-c", script],
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "amorce.settings.test",
                "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'site'}",
                "AMORCE_API_ALLOWED_ORIGINS": origins,
            },
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert cors("https://a.example.gouv.fr, https://b.example.org") == (
        "False ['https://a.example.gouv.fr', 'https://b.example.org']"
    )
    assert cors("*") == "True []"
    assert cors("") == "False []"
