"""A real OpenID Connect provider for the tests: panva's oidc-provider under Node.

Its npm packages (pinned in oidc_provider/package-lock.json) are installed once
in a cache folder outside the repository, as tests/browser/conftest.py does for
axe-core. Without node or npm the tests are skipped, saying why, unless
``AMORCE_REQUIRE_NODE=1`` (CI) makes that a failure.
"""

import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parent / "oidc_provider"


def provider_folder():
    """The provider's script and node_modules, in the cache; None without node/npm."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        return None
    lock = (SOURCE / "package-lock.json").read_bytes()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = cache / "amorce" / f"oidc-provider-{hashlib.sha256(lock).hexdigest()[:12]}"
    if not (folder / "node_modules" / "oidc-provider").exists():
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(SOURCE / name, folder / name)
        done = subprocess.run(  # noqa: S603 - npm with fixed arguments
            [npm, "ci", "--no-audit", "--no-fund", "--silent"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode:
            pytest.fail(f"npm could not install oidc-provider:\n{done.stderr}")
    shutil.copy(SOURCE / "provider.mjs", folder / "provider.mjs")
    return folder


@dataclass
class Provider:
    issuer: str
    client_id: str
    client_secret: str
    process: subprocess.Popen

    @property
    def discovery_url(self):
        return f"{self.issuer}/.well-known/openid-configuration"


def start_provider(options):
    folder = provider_folder()
    if folder is None:
        reason = "node and npm are needed to run the test OpenID Connect provider"
        if os.environ.get("AMORCE_REQUIRE_NODE") == "1":  # CI: never skipped
            pytest.fail(reason + " (AMORCE_REQUIRE_NODE=1)")
        pytest.skip(reason)
    process = subprocess.Popen(  # noqa: S603 - our own script, fixed arguments
        [shutil.which("node"), "provider.mjs", json.dumps(options)],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    line = process.stdout.readline()
    if not line:
        process.kill()
        pytest.fail("the test OpenID Connect provider did not start")
    started = json.loads(line)
    return Provider(
        started["issuer"], started["client_id"], started["client_secret"], process
    )


def stop_provider(provider):
    provider.process.terminate()
    try:
        provider.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        provider.process.kill()
        provider.process.wait()
