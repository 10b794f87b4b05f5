"""What the browser journeys share: named steps with screenshots, logging in, axe-core."""

import re
import shutil
from contextlib import contextmanager, suppress
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


class Journey:
    """A user's journey: each step is screenshotted, and a failing step says what it expected.

    Screenshots go to ``tests/browser/screenshots/<journey>/NN-<step>.png`` (git-ignored),
    ``NN-<step>-ECHEC.png`` for the step that failed; downloads are kept beside them.
    """

    def __init__(self, name, page):
        self.folder = SCREENSHOTS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.page = page
        self.count = 0

    @contextmanager
    def step(self, slug, expectation, page=None):
        page = page or self.page
        self.count += 1
        name = f"{self.count:02d}-{slug}"
        try:
            yield
        except (AssertionError, PlaywrightError) as error:
            self.shoot(page, f"{name}-ECHEC")
            raise AssertionError(
                f"Step {name} ({page.url}): expected {expectation}.\n{error}"
            ) from error
        self.shoot(page, name)

    def shoot(self, page, name):
        with suppress(PlaywrightError):  # a closed page has nothing more to show
            page.screenshot(path=self.folder / f"{name}.png", full_page=True)

    def download(self, page, click):
        """Click what starts a download; the file is saved beside the screenshots."""
        with page.expect_download() as info:
            click()
        download = info.value
        failure = download.failure()
        assert failure is None, f"the download failed: {failure}"
        path = self.folder / download.suggested_filename
        download.save_as(path)
        return path


def log_in(page, server, username):
    """Log into the Wagtail admin as one of the demo accounts, through its login form."""
    page.goto(f"{server.url}/admin/")
    expect(page, "the admin to ask for a login first").to_have_url(
        re.compile(r"/admin/login/")
    )
    page.get_by_label(re.compile(r"Nom d.utilisateur")).fill(username)
    page.get_by_label(re.compile(r"Password|Mot de passe")).fill(server.password)
    page.get_by_role("button", name="S'identifier").click()
    expect(page, f"{username} to land on the admin dashboard").to_have_url(
        f"{server.url}/admin/"
    )


def axe_violations(page, axe_source):
    """Run axe-core on the page as it is shown; its violations, as axe reports them."""
    page.add_script_tag(content=axe_source)
    result = page.evaluate("async () => await axe.run(document)")
    return result["violations"]


def describe_violations(violations):
    lines = []
    for violation in violations:
        lines.append(
            f"- [{violation['impact']}] {violation['id']}: {violation['help']} "
            f"({violation['helpUrl']})"
        )
        for node in violation["nodes"][:5]:
            summary = " | ".join(node["failureSummary"].splitlines())
            lines.append(f"    {node['target']}: {summary}")
    return "\n".join(lines)
