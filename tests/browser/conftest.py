"""A real server on 127.0.0.1 with the demo, Debian's Chromium driven by Playwright, axe-core.

The server is ``manage.py runserver`` in a subprocess, with its own throwaway SQLite
database and file folders; the demo accounts log in with the password that
``ensure_admin`` keeps in ``var/admin-password``. Chromium is ``/usr/bin/chromium``
(``.ci/run`` installs it): Playwright's own browsers are never downloaded. A missing
Chromium fails the tests, it does not skip them.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

BASE_DIR = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
AXE_CORE_VERSION = "4.14.1"


@dataclass
class Server:
    url: str
    password: str
    log: Path
    env: dict
    proconnect_port: int = (
        0  # where a test may start the OIDC provider (tests/accounts/oidc.py)
    )
    antivirus: bool = False

    def tail(self, lines=60):
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def manage(self, *args):
        """Run a management command on the server's database, as cron would; its output."""
        done = subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, f"manage.py {' '.join(args)}:\n{done.stderr}"
        return done.stdout


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def browser_clamd(tmp_path_factory):
    """A clamd with the EICAR signatures (tests/clamd.py) for the server, when installed."""
    from tests.clamd import Clamd, installed

    if not installed():
        yield None
        return
    daemon = Clamd(tmp_path_factory.mktemp("clamd-browser")).start()
    yield daemon
    daemon.stop()


@pytest.fixture(scope="session")
def amorce_server(tmp_path_factory, browser_clamd):
    folder = tmp_path_factory.mktemp("amorce-server")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # ProConnect, pointed at a provider the juror's journey starts on this port
    # (the server only reads its discovery document when the button is clicked).
    proconnect_port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "amorce.settings.dev",
        "DEBUG": "0",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "MEDIA_ROOT": str(folder / "media"),
        "PRIVATE_MEDIA_ROOT": str(folder / "private"),
        "STATIC_ROOT": str(folder / "static"),
        "WAGTAILADMIN_BASE_URL": url,
        "WAGTAILAPI_BASE_URL": url,
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "PYTHONUNBUFFERED": "1",
        "PROCONNECT_CLIENT_ID": "amorce-test",
        "PROCONNECT_CLIENT_SECRET": "amorce-test-secret",
        "PROCONNECT_DISCOVERY_URL": (
            f"http://127.0.0.1:{proconnect_port}/.well-known/openid-configuration"
        ),
    }
    if browser_clamd is not None:  # every file sent is scanned, as in production
        env["AMORCE_CLAMD"] = browser_clamd.address
        env["AMORCE_ANTIVIRUS"] = "on"

    def manage(*args):
        done = subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode:
            pytest.fail(
                f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
            )

    manage("migrate", "--no-input")
    manage("load_demo_content")
    manage("ensure_admin")
    password = (BASE_DIR / "var" / "admin-password").read_text().strip()

    server = Server(
        url=url,
        password=password,
        log=folder / "server.log",
        env=env,
        proconnect_port=proconnect_port,
        antivirus=browser_clamd is not None,
    )
    with running(server, port):
        yield server


@contextlib.contextmanager
def running(server, port):
    """``manage.py runserver`` with ``server.env`` on ``port``, once it answers /sante/;
    stopped on leaving (the session's server, and any a module starts beside it)."""
    with server.log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 - our own manage.py, fixed arguments
            [
                sys.executable,
                "manage.py",
                "runserver",
                "--noreload",
                "--insecure",  # static files with DEBUG off, as a user would get them
                f"127.0.0.1:{port}",
            ],
            cwd=BASE_DIR,
            env=server.env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"the server stopped at start:\n{server.tail()}")
            try:
                health = f"{server.url}/sante/"
                with urllib.request.urlopen(health, timeout=2) as response:  # noqa: S310 - loopback
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not answer within 60 s:\n{server.tail()}")
            time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium; module-scoped so no event loop outlives the browser tests."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install it with `apt-get install -y chromium` "
            "(.ci/run does it). Playwright's own browsers are not used."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """Open a page in a fresh browser (its own cookies), in French, at Paris time."""
    contexts = []

    def make(**options):
        context = browser.new_context(
            locale="fr-FR",
            timezone_id="Europe/Paris",
            viewport={"width": 1280, "height": 900},
            accept_downloads=True,
            **options,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def axe_source():
    """axe-core from the npm registry, kept in a cache folder outside the repository."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    script = cache / "amorce" / f"axe-core-{AXE_CORE_VERSION}" / "axe.min.js"
    if not script.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is needed to fetch axe-core: apt-get install -y npm")
        with tempfile.TemporaryDirectory() as folder:
            done = subprocess.run(  # noqa: S603 - npm with fixed arguments
                [
                    npm,
                    "pack",
                    f"axe-core@{AXE_CORE_VERSION}",
                    "--pack-destination",
                    folder,
                    "--silent",
                ],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            if done.returncode:
                pytest.fail(f"npm could not fetch axe-core:\n{done.stderr}")
            tarball = next(Path(folder).glob("axe-core-*.tgz"))
            with tarfile.open(tarball) as archive:
                source = archive.extractfile("package/axe.min.js").read()
        script.parent.mkdir(parents=True, exist_ok=True)
        partial = script.with_suffix(".part")
        partial.write_bytes(source)
        partial.replace(script)
    return script.read_text()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing browser test shows the end of the server's log too."""
    outcome = yield
    report = outcome.get_result()
    server = getattr(item, "funcargs", {}).get("amorce_server")
    if report.failed and server is not None:
        report.sections.append(("amorce server log (last lines)", server.tail()))
