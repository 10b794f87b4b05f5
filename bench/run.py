"""Amorce's benchmarks, printed as one table (``make bench``).

Each benchmark measures our code and its peer in the same run, on the same
server and data, so that the ratio means something on any machine. Results
are also written to ``bench/results/latest.md`` for the README.

    python bench/run.py                 # everything
    python bench/run.py pages           # one benchmark
    BENCH_REQUESTS=3000 python bench/run.py pages
"""

import argparse
import os
import platform
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path[:0] = [str(ROOT), str(ROOT / "site")]

from bench.http_load import hammer  # noqa: E402

PYTHON = sys.executable


def bench_env():
    """Production settings on a throwaway SQLite database."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "amorce.settings.production",
            "SECRET_KEY": "bench-only-not-a-secret",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "DATABASE_URL": env.get(
                "BENCH_DATABASE_URL", f"sqlite:///{RESULTS / 'bench.sqlite3'}"
            ),
            "STATIC_ROOT": str(RESULTS / "static"),
            "MEDIA_ROOT": str(RESULTS / "media"),
            "PRIVATE_MEDIA_ROOT": str(RESULTS / "private"),
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "WAGTAILADMIN_BASE_URL": "http://127.0.0.1",
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "site")]),
        }
    )
    return env


def manage(env, *args):
    subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *args],
        env=env,
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(env, workers=2):
    port = free_port()
    process = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "--pythonpath",
            "site",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "amorce.wsgi",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def prepare_site(env):
    manage(env, "migrate", "--no-input")
    manage(env, "collectstatic", "--no-input")
    manage(env, "load_demo_content")
    script = (
        "from wagtail.models import Page, Site\n"
        "home = Site.objects.get(is_default_site=True).root_page\n"
        "if not Page.objects.child_of(home).filter(slug='page-nue').exists():\n"
        "    home.add_child(instance=Page(title='Page nue', slug='page-nue'))\n"
    )
    manage(env, "shell", "-c", script)


def bench_pages(rows):
    """Call page vs a bare Wagtail page, requests per second on gunicorn."""
    env = bench_env()
    prepare_site(env)
    total = int(os.environ.get("BENCH_REQUESTS", "1000"))
    concurrency = int(os.environ.get("BENCH_CONCURRENCY", "4"))
    with gunicorn(env) as port:
        results = {}
        for name, path in (
            ("bare", "/page-nue/"),
            ("call", "/programme/appel-a-candidatures/"),
        ):
            hammer("127.0.0.1", port, path, 50, concurrency)  # warm-up
            rps, statuses = hammer("127.0.0.1", port, path, total, concurrency)
            if set(statuses) != {200}:
                raise RuntimeError(f"{path}: {statuses}")
            results[name] = rps
    rows.append(
        (
            "Page d'appel (req/s)",
            f"{results['call']:.0f}",
            f"{results['bare']:.0f}",
            f"{results['call'] / results['bare']:.2f}",
            f"page Wagtail nue ; {total} requêtes, {concurrency} clients, gunicorn 2 workers",
        )
    )


BENCHMARKS = {"pages": bench_pages}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", choices=[*BENCHMARKS, []], default=[])
    args = parser.parse_args()
    rows = []
    for name in args.names or BENCHMARKS:
        BENCHMARKS[name](rows)
    header = ("Mesure", "Amorce", "Référence", "Ratio", "Conditions")
    machine = (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cœurs, "
        f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}"
    )
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
        *("| " + " | ".join(row) + " |" for row in rows),
        "",
        f"Machine : {machine}",
    ]
    table = "\n".join(lines)
    print(table)
    (RESULTS / "latest.md").write_text(table + "\n")


if __name__ == "__main__":
    main()
