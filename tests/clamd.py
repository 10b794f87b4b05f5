"""A real ClamAV daemon for the tests, with a signature database made here.

No signature can be downloaded on this machine (no freshclam): the database
is the EICAR test file's, made with Debian's ``sigtool`` — its SHA-256 (the
file alone, ``.hdb``) and its bytes as a body signature (``.ndb``, found in any
file that holds them, such as a PDF or a text file wrapping it). Each daemon
listens on a Unix socket of its own in a temporary folder; it is stopped
by the test that started it. Without clamd installed, the tests that need it
are skipped (``.ci/run`` installs ``clamav`` and ``clamav-daemon``, and sets
``AMORCE_REQUIRE_CLAMD`` so that they fail there instead).
"""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

CLAMD = shutil.which("clamd") or "/usr/sbin/clamd"
SIGTOOL = shutil.which("sigtool") or "/usr/bin/sigtool"
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
# The stream limit of the test daemon: a file past it cannot be scanned.
STREAM_MAX = 1024 * 1024


def installed():
    return Path(CLAMD).exists() and Path(SIGTOOL).exists()


def skip_unless_installed():
    """Skip without clamd; fail instead under ``AMORCE_REQUIRE_CLAMD`` (CI never skips)."""
    if not installed():
        if os.environ.get("AMORCE_REQUIRE_CLAMD"):
            pytest.fail("AMORCE_REQUIRE_CLAMD is set and clamd or sigtool is missing")
        pytest.skip(
            "clamd and sigtool are not installed (apt-get install clamav clamav-daemon)"
        )


def make_database(folder):
    """``test.hdb`` and ``test.ndb`` in ``folder``, by sigtool, from the EICAR string."""
    folder.mkdir(parents=True, exist_ok=True)
    sample = folder / "Amorce-Test-EICAR"
    sample.write_bytes(EICAR)
    digest = subprocess.run(  # noqa: S603 - Debian's sigtool, fixed arguments
        [SIGTOOL, "--sha256", str(sample)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    (folder / "test.hdb").write_text(digest)
    hexed = subprocess.run(  # noqa: S603
        [SIGTOOL, "--hex-dump"],
        input=EICAR,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()
    (folder / "test.ndb").write_text(f"Amorce-Test-EICAR-Body:0:*:{hexed.strip()}\n")
    sample.unlink()


class Clamd:
    """One clamd, on ``socket_path``, with the database of ``folder``."""

    def __init__(self, folder, socket_path=None):
        self.folder = Path(folder)
        self.database = self.folder / "db"
        self.socket_path = Path(socket_path or self.folder / "clamd.sock")
        self.log = self.folder / "clamd.log"
        self.process = None

    @property
    def address(self):
        return f"unix://{self.socket_path}"

    def start(self, timeout=60):
        if not self.database.exists():
            make_database(self.database)
        config = self.folder / "clamd.conf"
        config.write_text(
            "\n".join(
                [
                    f"LocalSocket {self.socket_path}",
                    f"DatabaseDirectory {self.database}",
                    "Foreground yes",
                    f"LogFile {self.log}",
                    f"StreamMaxLength {STREAM_MAX}",
                    "AlertEncrypted yes",
                    "AlertEncryptedArchive yes",
                    "AlertEncryptedDoc yes",
                    "",
                ]
            )
        )
        self.process = subprocess.Popen(  # noqa: S603 - Debian's clamd, our config
            [CLAMD, "--config-file", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"clamd stopped:\n{self.tail()}")
            if self.ping():
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"clamd did not answer PING:\n{self.tail()}")

    def ping(self):
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(2)
                sock.connect(str(self.socket_path))
                sock.sendall(b"nPING\n")
                return sock.recv(16).strip() == b"PONG"
        except OSError:
            return False

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None
        self.socket_path.unlink(missing_ok=True)

    def tail(self):
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
