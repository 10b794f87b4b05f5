"""A TypeScript integrator works from the served OpenAPI document alone.

``openapi-typescript`` generates the types from the document the live server
serves; ``client.ts`` (beside this file) uses them with ``openapi-fetch`` to
submit a candidature with a file, then, with a staff token, to read the
candidatures page after page by the ``next`` cursor. ``tsc`` type-checks it
against the generated types (a route, parameter or field that the document
stops declaring fails here), compiles it, and Node runs it over real HTTP.

Versions are pinned in ``package.json`` / ``package-lock.json``; the packages
are installed once per lockfile in a cache folder outside the repository
(``$XDG_CACHE_HOME/amorce``), as the browser tests keep axe-core. Without
Node.js and npm the test is skipped, saying so; CI sets
``AMORCE_REQUIRE_NODE=1`` so that it fails there instead.
"""

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from wagtail.models import APIToken

from forms.factories import CandidatureFactory
from forms.models import Candidature
from tests.forms.helpers import PDF, answers

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

HERE = Path(__file__).resolve().parent
REQUIRED = os.environ.get("AMORCE_REQUIRE_NODE") == "1"


def run(command, cwd, env=None, timeout=300):
    done = subprocess.run(  # noqa: S603 - our tools, fixed arguments
        command,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"{command[0]}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="session")
def node_modules():
    """The pinned packages, installed once per lockfile outside the repository."""
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        message = "Node.js 20 and npm are needed: apt-get install -y nodejs npm"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    lock = (HERE / "package-lock.json").read_bytes()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = (
        cache / "amorce" / f"typescript-client-{hashlib.sha256(lock).hexdigest()[:12]}"
    )
    modules = folder / "node_modules"
    if not (modules / ".bin" / "tsc").exists():
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(HERE / name, folder / name)
        run([npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"], folder)
    return modules


def test_a_typescript_client_submits_a_file_and_follows_the_cursor(
    node_modules, live_server, form_page, paula, tmp_path
):
    for name in ("client.ts", "tsconfig.json"):
        shutil.copy(HERE / name, tmp_path / name)
    (tmp_path / "package.json").write_text('{"type": "module"}')
    (tmp_path / "node_modules").symlink_to(node_modules)
    bin_ = node_modules / ".bin"
    run(
        [
            str(bin_ / "openapi-typescript"),
            f"{live_server.url}/api/v3/openapi.json",
            "--output",
            "schema.d.ts",
        ],
        tmp_path,
    )
    run([str(bin_ / "tsc"), "--noEmit", "-p", "."], tmp_path)  # typed or failed
    run([str(bin_ / "tsc"), "-p", "."], tmp_path)
    (tmp_path / "budget.pdf").write_bytes(PDF)
    earlier = [c.reference for c in CandidatureFactory.create_batch(3, page=form_page)]
    _token, plaintext = APIToken.create_token(user=paula, name="Script TS")

    out = run(
        [shutil.which("node"), "build/client.js"],
        tmp_path,
        env={
            "AMORCE_URL": live_server.url,
            "AMORCE_FORM_ID": str(form_page.pk),
            "AMORCE_ANSWERS": json.dumps(answers()),
            "AMORCE_FILE": str(tmp_path / "budget.pdf"),
            "AMORCE_FILE_FIELD": "pieces_jointes",
            "AMORCE_TOKEN": plaintext,
        },
    )
    result = json.loads(out)

    candidature = Candidature.objects.get(reference=result["reference"])
    assert [a.original_name for a in candidature.attachments.all()] == ["budget.pdf"]
    assert candidature.attachments.get().size == len(PDF)
    read = {c["reference"]: c for c in result["read"]}
    assert set(read) == {*earlier, candidature.reference}  # each once, by the cursor
    assert len(result["read"]) == 4
    assert result["pages"] == 3  # limit 2: two full pages, then a short one
    assert read[candidature.reference]["files"] == [
        [{"name": "budget.pdf", "size": len(PDF)}]
    ]
