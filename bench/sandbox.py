"""A throwaway copy of the site for the proofs (load test, fuzzing).

The benchmarks' production settings (``bench.run.bench_env``), but with a
database, static, media and private folders of its own, so that a proof can
run while a benchmark does.
"""

import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "site")]

from bench.run import RESULTS, bench_env, manage, prepare_site  # noqa: E402

POSTGRES_ADMIN_URL = os.environ.get(
    "PROOF_POSTGRES_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)


def fresh_postgres(name):
    """Drop and create database ``name`` on the local PostgreSQL; return its URL."""
    import psycopg

    with psycopg.connect(
        POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_postgres(name):
    import psycopg

    with psycopg.connect(
        POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sandbox_env(name, database_url=None):
    """Production settings on ``bench/results/<name>/`` (SQLite there unless given a URL)."""
    folder = RESULTS / name
    for sub in ("media", "private", "db.sqlite3"):
        path = folder / sub
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    env = bench_env()
    env.update(
        {
            "DATABASE_URL": database_url or f"sqlite:///{folder / 'db.sqlite3'}",
            # Kept between runs: collectstatic only copies what changed.
            "STATIC_ROOT": str(RESULTS / "proof-static"),
            "MEDIA_ROOT": str(folder / "media"),
            "PRIVATE_MEDIA_ROOT": str(folder / "private"),
        }
    )
    return env


def prepare(env):
    """Migrate, collect static files, load the demo (and the cache table, if the cache is one)."""
    manage(env, "createcachetable")
    prepare_site(env)


def bounded(seconds):
    """Stop this process after ``seconds``, and on SIGTERM, through ``finally`` blocks.

    So that the servers and databases a proof started are stopped and dropped
    whatever happens: its context managers run as for any exception.
    """
    import signal

    def stop(signum, _frame):
        reason = "time limit reached" if signum == signal.SIGALRM else "terminated"
        raise SystemExit(f"ÉCHEC : arrêté ({reason}, {seconds} s au plus)")

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGALRM, stop)
    signal.alarm(int(seconds))
