"""Amorce's benchmarks, printed as one table (``make bench``).

Each benchmark measures our code and its peer in the same run, on the same
server and data, so that the ratio means something on any machine. Results
are also written to ``bench/results/latest.md`` for the README.

    python bench/run.py                 # everything
    python bench/run.py pages           # one benchmark
    BENCH_REQUESTS=3000 python bench/run.py pages
"""

import argparse
import itertools
import json
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


def bench_redis_url():
    """The Redis database the benchmarks cache in, as production does
    (``BENCH_REDIS_URL``, by default database 12 on the local Redis); empty
    when no Redis answers there: the cache is then the database's table, as in
    a production without ``REDIS_URL``, and the conditions say so."""
    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
    if not url:
        return ""
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:  # noqa: BLE001 - no Redis is a condition, not a failure
        return ""
    return url


def flush_bench_cache():
    if url := bench_redis_url():
        import redis

        redis.Redis.from_url(url).flushdb()


def cache_condition():
    return "cache Redis" if bench_redis_url() else "cache en base (pas de Redis)"


def bench_env():
    """Production settings on a throwaway SQLite database, the cache in Redis."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["REDIS_URL"] = bench_redis_url()
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "amorce.settings.production",
            "SECRET_KEY": "bench-only-not-a-secret",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            # Production refuses to start without a word on the antivirus: the
            # benchmarks measure the app, not clamd (AMORCE_CLAMD given: on).
            "AMORCE_ANTIVIRUS": env.get(
                "AMORCE_ANTIVIRUS", "on" if env.get("AMORCE_CLAMD") else "off"
            ),
            "DATABASE_URL": env.get(
                "BENCH_DATABASE_URL", f"sqlite:///{RESULTS / 'bench.sqlite3'}"
            ),
            "STATIC_ROOT": str(RESULTS / "static"),
            "MEDIA_ROOT": str(RESULTS / "media"),
            "PRIVATE_MEDIA_ROOT": str(RESULTS / "private"),
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "WAGTAILADMIN_BASE_URL": "http://127.0.0.1",
            "AMORCE_BENCH": "1",
            "DATABASE_CONN_MAX_AGE": "60",
            "AMORCE_SUBMISSION_RATE_LIMIT": "0/3600",
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


def gunicorn_command(port, workers=2):
    """Amorce served by gunicorn on 127.0.0.1:``port``, as the benches and loads serve it."""
    return [
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
    ]


@contextmanager
def gunicorn(env, workers=2):
    port = free_port()
    process = subprocess.Popen(gunicorn_command(port, workers), env=env, cwd=ROOT)
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
    manage(env, "createcachetable")  # production settings may cache in the database
    flush_bench_cache()  # nothing kept from another run or database
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
            f"page Wagtail nue ; {total} requêtes, {concurrency} clients, gunicorn 2 workers, "
            f"{cache_condition()}",
        )
    )


STOCK_FORM_SCRIPT = """
from wagtail.models import Site
from bench.stockforms.models import StockFormField, StockFormPage
from forms.factories import DEMO_FIELDS
from cms_pages.models import CallPage
call = CallPage.objects.get(slug="appel-a-candidatures")  # same depth as our form, same routing cost
if not StockFormPage.objects.filter(slug="formulaire-stock").exists():
    page = call.add_child(instance=StockFormPage(title="Formulaire stock", slug="formulaire-stock"))
    identity = [
        {"label": "Prénom et nom", "field_type": "singleline"},
        {"label": "Adresse électronique", "field_type": "email"},
        {"label": "Administration", "field_type": "singleline"},
        {"label": "Service", "field_type": "singleline", "required": False},
    ]
    for order, field in enumerate(identity + [f for f in DEMO_FIELDS if f["field_type"] not in ("file", "section")]):
        StockFormField.objects.create(
            page=page, sort_order=order, label=field["label"], field_type=field["field_type"],
            required=field.get("required", True), choices=field.get("choices", ""),
        )
"""

ANSWERS = {
    "problem": "Les usagers attendent trois mois pour obtenir un rendez-vous en préfecture. "
    * 10,
    "consequences": "Des droits non exercés, des déplacements inutiles, des appels en nombre. "
    * 10,
    "solution": "Un agenda partagé entre services, ouvert aux usagers en ligne. " * 10,
}


def csrf_for(port, path):
    import http.client
    import re

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path)
    response = conn.getresponse()
    html = response.read().decode()
    cookie = response.getheader("Set-Cookie", "").split(";", 1)[0]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    conn.close()
    return cookie, token


FORM_TOKENS_SCRIPT = """
from forms.builder import issue_token
from forms.models import CandidatureFormPage
page = CandidatureFormPage.objects.get(slug="candidater", url_path__endswith="/appel-a-candidatures/candidater/")
for _ in range({count}):
    print(issue_token(page))
"""


def form_tokens(env, per_round, rounds):
    """One-time tokens of our form, as its page would give them, for every submission."""
    count = 20 + per_round * rounds
    output = subprocess.run(
        [
            PYTHON,
            str(ROOT / "manage.py"),
            "shell",
            "-c",
            FORM_TOKENS_SCRIPT.format(count=count),
        ],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout
    tokens = [line for line in output.split() if ":" in line]
    if len(tokens) != count:
        raise RuntimeError(f"expected {count} form tokens, got {len(tokens)}")
    return tokens


def postgres_url(name="amorce_bench"):
    """A fresh database on the local PostgreSQL for benchmarks, if one answers.

    ``BENCH_POSTGRES_SUFFIX`` keeps apart the databases of benchmarks run at once
    (several worktrees on one machine).
    """
    name += os.environ.get("BENCH_POSTGRES_SUFFIX", "")
    url = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/")
    url = url.rsplit("/", 1)[0] + "/" + name
    try:
        import psycopg

        admin = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            name = url.rsplit("/", 1)[1]
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception:  # no PostgreSQL here: SQLite only
        return None
    return url


def submission_payloads():
    ours = {
        "identity_name": "Camille Martin",
        "identity_email": "camille@example.gouv.fr",
        "identity_administration": "Préfecture de l'Exemple",
        "identity_service": "Accueil",
        "le_probleme": ANSWERS["problem"],
        "ses_consequences_pour_les_usagers": ANSWERS["consequences"],
        "combien_de_personnes_sont_concernees": "Plus de 100 000",
        "votre_idee_de_solution": ANSWERS["solution"],
        "je_suis_disponible_pour_linvestigation_si_mon_projet_est_retenu": "on",
    }
    stock = {
        "prenom_et_nom": ours["identity_name"],
        "adresse_electronique": ours["identity_email"],
        "administration": ours["identity_administration"],
        "service": ours["identity_service"],
        **{
            key: value for key, value in ours.items() if not key.startswith("identity_")
        },
    }
    return ours, stock


def measure_submissions(database_url, total, concurrency, rounds):
    """Interleaved rounds (stock, ours, stock, ours…) so that neither runs on a bigger table."""
    from urllib.parse import urlencode

    env = bench_env()
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        (RESULTS / "bench.sqlite3").unlink(missing_ok=True)
    prepare_site(env)
    manage(env, "shell", "-c", STOCK_FORM_SCRIPT)
    ours_data, stock_data = submission_payloads()
    targets = {
        "stock": ("/programme/appel-a-candidatures/formulaire-stock/", stock_data),
        "ours": ("/programme/appel-a-candidatures/candidater/", ours_data),
    }
    # Our form takes each one-time token once (the same token again is the same
    # candidature, not a new one): each of our submissions gets its own, made
    # beforehand as the form would give it.
    per_round = max(1, total // rounds)
    tokens = iter(form_tokens(env, per_round, rounds))
    elapsed = {"stock": 0.0, "ours": 0.0}
    with gunicorn(env) as port:
        prepared = {}
        for name, (path, data) in targets.items():
            cookie, token = csrf_for(port, path)
            fields = {**data, "csrfmiddlewaretoken": token}
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": cookie,
            }
            prepared[name] = (path, fields, headers)

        sent = itertools.count()

        def body_of(name, fields):
            # Each candidature its own answers (the same ones again, from the same
            # person, are taken for the first: a double click), the same for both.
            fields = {
                **fields,
                "le_probleme": f"{fields['le_probleme']} ({next(sent)})",
            }
            if name == "ours":
                fields["jeton"] = next(tokens)
            return urlencode(fields).encode()

        for name, (path, fields, headers) in prepared.items():  # warm-up
            hammer(
                "127.0.0.1",
                port,
                path,
                20,
                concurrency,
                method="POST",
                bodies=iter([body_of(name, fields) for _ in range(20)]),
                headers=headers,
            )
        for _round in range(rounds):
            for name, (path, fields, headers) in prepared.items():
                bodies = [body_of(name, fields) for _ in range(per_round)]
                rps, statuses = hammer(
                    "127.0.0.1",
                    port,
                    path,
                    per_round,
                    concurrency,
                    method="POST",
                    bodies=iter(bodies),
                    headers=headers,
                )
                if set(statuses) != {200}:
                    raise RuntimeError(f"{path}: {statuses}")
                elapsed[name] += per_round / rps
    return {name: per_round * rounds / seconds for name, seconds in elapsed.items()}


def bench_submissions(rows):
    """Our candidature form vs Wagtail's stock form page, submissions per second."""
    total = int(os.environ.get("BENCH_SUBMISSIONS", "600"))
    concurrency = int(os.environ.get("BENCH_CONCURRENCY", "4"))
    databases = [("SQLite", None)]
    if url := postgres_url():
        databases.append(("PostgreSQL", url))
    for label, url in databases:
        results = measure_submissions(url, total, concurrency, rounds=4)
        rows.append(
            (
                f"Dépôt de candidature, {label} (envois/s)",
                f"{results['ours']:.0f}",
                f"{results['stock']:.0f}",
                f"{results['ours'] / results['stock']:.2f}",
                f"formulaire Wagtail stock, mêmes champs et même profondeur ; {total} envois chacun en 4 "
                f"tours alternés, {concurrency} clients ; Amorce fait en plus : référence, version du "
                f"formulaire, courriels mis en file ; {cache_condition()}",
            )
        )


def worker(env, *args, script="export_worker.py"):
    result = subprocess.run(
        [PYTHON, str(ROOT / "bench" / script), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise RuntimeError(f"{script} {' '.join(args)}:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def bench_exports(rows):
    """10,000 candidatures (12 fields, long answers): our export vs Wagtail's stock export."""
    count = int(os.environ.get("BENCH_EXPORT_ROWS", "10000"))
    repeats = int(os.environ.get("BENCH_EXPORT_REPEATS", "3"))
    env = bench_env()
    (RESULTS / "bench.sqlite3").unlink(missing_ok=True)
    prepare_site(env)
    worker(env, "seed", str(count))
    xlsx = None
    for fmt in ("xlsx", "csv"):
        best = {}
        for _ in range(repeats):
            for who in ("stock", "ours"):
                result = worker(env, who, fmt)
                if result["rows"] != count:
                    raise RuntimeError(f"{who} {fmt}: {result['rows']} rows")
                if who not in best or result["seconds"] < best[who]["seconds"]:
                    best[who] = result
        ours, stock = best["ours"], best["stock"]
        xlsx = xlsx or ours
        rows.append(
            (
                f"Export {count} candidatures {fmt.upper()} (s)",
                f"{ours['seconds']:.2f}",
                f"{stock['seconds']:.2f}",
                f"{ours['seconds'] / stock['seconds']:.2f}",
                f"export stock de Wagtail (SubmissionsListView) ; 12 champs, réponses longues ; "
                f"meilleur de {repeats} ; Amorce a {8} colonnes d'identité et de statut en plus",
            )
        )
        rows.append(
            (
                f"Export {count} candidatures {fmt.upper()} (Mo de mémoire en pointe)",
                f"{ours['peak_mib']:.0f}",
                f"{stock['peak_mib']:.0f}",
                f"{(ours['peak_mib'] or 1) / (stock['peak_mib'] or 1):.2f}",
                "hausse du maximum résident (ru_maxrss) pendant l'export, processus neuf",
            )
        )
    # Wagtail has no ODS export: ours is measured against our XLSX, same rows.
    ods = min(
        (worker(env, "ours", "ods") for _ in range(repeats)),
        key=lambda result: result["seconds"],
    )
    rows.append(
        (
            f"Export {count} candidatures ODS (s / Mo en pointe)",
            f"{ods['seconds']:.2f} / {ods['peak_mib']:.0f}",
            f"{xlsx['seconds']:.2f} / {xlsx['peak_mib']:.0f}",
            f"{ods['seconds'] / xlsx['seconds']:.2f} / "
            f"{(ods['peak_mib'] or 1) / (xlsx['peak_mib'] or 1):.2f}",
            f"notre export XLSX des mêmes lignes ; meilleur de {repeats} ; "
            "ru_maxrss, processus neuf",
        )
    )


def bench_pdfs(rows):
    """The jury book of 100 dossiers (fresh, again, a member's copy), and one dossier."""
    count = int(os.environ.get("BENCH_BOOK_DOSSIERS", "100"))
    env = bench_env()
    # As in the task worker, where a book of more than 30 dossiers and the
    # preparation are drawn (Procfile).
    env["AMORCE_PDF_PROCESSES"] = "2"
    (RESULTS / "bench.sqlite3").unlink(missing_ok=True)
    prepare_site(env)
    worker(env, "seed", str(count))
    worker(env, "seedround", str(count))
    book = worker(env, "pdf", "book")  # the cache emptied first: drawn afresh
    prepared = worker(env, "pdf", "prepare")  # emptied again, then the task's work
    book_prepared = worker(env, "pdf", "bookprepared")
    again = worker(env, "pdf", "bookagain")
    member_prepared = worker(env, "pdf", "memberprepared")
    member_again = worker(env, "pdf", "memberagain")
    changed = worker(env, "pdf", "change")
    member = worker(env, "pdf", "member")  # emptied first
    dossier = worker(env, "pdf", "dossier")
    fresh = "processus neuf, rien de gardé"
    for label, result, conditions in (
        (
            f"Cahier du jury, {count} dossiers, tiré sans rien de gardé",
            book,
            f"{book['pages']} pages, 3 membres, réponses longues ; {fresh} : chaque "
            "dossier, le début et les numéros tirés ; tâche de fond au-delà de 30 "
            "dossiers : les dossiers en 2 processus comme dans le worker",
        ),
        (
            f"Préparation par le worker après les évaluations, {count} dossiers",
            prepared,
            f"rien de gardé ; les parties du cahier et des {prepared['copies'] - 1} "
            "exemplaires de membre (exports.preparation), en 2 processus ; "
            "processus neuf ; personne ne l'attend",
        ),
        (
            f"Cahier du jury, {count} dossiers, premier tirage après préparation",
            book_prepared,
            f"{book_prepared['pages']} pages ; processus neuf ; jamais joint : "
            "HTML, parties reprises du cache, recollage par pikepdf",
        ),
        (
            f"Cahier du jury, {count} dossiers, demandé à nouveau",
            again,
            "rien n'a changé : le cahier joint repris du cache ; processus neuf",
        ),
        (
            f"Cahier du jury, {count} dossiers, une évaluation changée",
            changed,
            "sans préparation : le dossier et le début tirés à nouveau, le reste "
            "repris, joint ; processus neuf",
        ),
        (
            "Exemplaire d'un membre, premier tirage après préparation",
            member_prepared,
            f"{member_prepared['pages']} pages, ses seules notes, son nom en pied "
            "de page ; processus neuf",
        ),
        (
            "Exemplaire d'un membre, demandé à nouveau",
            member_again,
            "repris du cache ; processus neuf",
        ),
        (
            "Exemplaire d'un membre, tiré sans rien de gardé",
            member,
            f"{member['pages']} pages ; {fresh} ; en 2 processus",
        ),
    ):
        rows.append(
            (
                f"{label} (s / Mo en pointe)",
                f"{result['seconds']:.1f} / {result['peak_mib']:.0f}",
                "—",
                "—",
                conditions,
            )
        )
    rows.append(
        (
            "Dossier PDF, premier dans un worker démarré (s)",
            f"{dossier['first']:.2f}",
            "—",
            "—",
            f"{dossier['pages']} page(s), 12 champs à réponses longues ; après le "
            f"préchauffage du démarrage (AMORCE_PDF_WARM_UP, {dossier['warm_up']:.1f} s)",
        )
    )
    rows.append(
        (
            "Dossier PDF, à chaud (s / Mo en pointe)",
            f"{dossier['seconds']:.2f} / {dossier['peak_mib']:.0f}",
            "—",
            "—",
            "le même dossier tiré à nouveau dans le même processus, meilleur de 10 "
            f"(médiane {dossier['median']:.2f} s)",
        )
    )


ADMIN_PAGES = {
    "candidatures": ("Admin, liste des candidatures", "50 par page"),
    "candidatures_search": (
        "Admin, candidatures cherchées et filtrées",
        "recherche, statut (la moitié des candidatures), appel, tri par administration",
    ),
    "candidatures_duplicates": (
        "Admin, doublons possibles",
        "filtre « Doublons possibles », la moitié des candidatures partagent leur adresse deux à deux",
    ),
    "ranking": (
        "Admin, classement du comité",
        "classé sur tout le tour (3 membres), la pré-sélection du jury à côté, "
        "100 par page",
    ),
    "round_members": (
        "Admin, membres et avancement d'un tour",
        "3 membres, leurs dossiers rendus, brouillons, rappels",
    ),
    "assignments": (
        "Admin, attribution des dossiers d'un tour",
        "2 membres sur 3 par dossier, 100 dossiers par page",
    ),
    "jury_rounds": (
        "Admin, « Mes évaluations » (juré)",
        "ses tours et leur avancement",
    ),
    "jury_round": ("Admin, dossiers d'un tour (juré)", "100 par page"),
    "jury_ranking": (
        "Admin, classement d'un tour clos (juré)",
        "classé sur tout le tour, 100 par page",
    ),
    "investigations": ("Admin, liste des investigations", "autant d'investigations"),
    "dashboard": (
        "Admin, suivi des investigations",
        "totaux sur toutes, 100 lignes par page",
    ),
    "calendar": (
        "Admin, calendrier des investigations",
        "trois mois de points d'étape et de comités",
    ),
    "exports": ("Admin, « Mes exports »", "autant d'exports, les 50 derniers montrés"),
    "notifications": (
        "Admin, courriels de décision",
        "compteurs par statut, 50 courriels préparés par page",
    ),
    "home": ("Admin, tableau de bord", "appels ouverts et leurs candidatures"),
}


def bench_admin(rows):
    """Queries and time per admin list page, at 100 and at 10,000 rows, same run."""
    small = int(os.environ.get("BENCH_ADMIN_SMALL", "100"))
    large = int(os.environ.get("BENCH_ADMIN_ROWS", "10000"))
    env = bench_env()
    # Several people may bench on one server: each names their own database.
    url = postgres_url(os.environ.get("BENCH_ADMIN_DATABASE", "amorce_bench_admin"))
    if url:
        env["DATABASE_URL"] = url
        database = "PostgreSQL"
    else:
        path = RESULTS / "bench-admin.sqlite3"
        path.unlink(missing_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{path}"
        database = "SQLite"
    prepare_site(env)
    result = worker(env, str(small), str(large), script="admin_worker.py")
    ours, peer = result[str(large)], result[str(small)]
    for key, (label, note) in ADMIN_PAGES.items():
        if key not in ours:  # left out by BENCH_ADMIN_ONLY
            continue
        a, b = ours[key], peer[key]
        shown = (
            f" ; {b['rows']} puis {a['rows']} lignes affichées"
            if a["rows"] is not None
            else ""
        )
        rows.append(
            (
                f"{label}, {large} lignes (requêtes / ms par page)",
                f"{a['queries']} / {a['ms']:.0f}",
                f"{b['queries']} / {b['ms']:.0f}",
                f"{a['queries'] / b['queries']:.2f} / {a['ms'] / b['ms']:.2f}",
                f"même page à {small} lignes ; {note}{shown} ; vue réelle, client de test "
                f"Django, équipe programme connectée, {database}, meilleur temps de "
                f"{os.environ.get('BENCH_ADMIN_REPEATS', '15')}",
            )
        )


BENCHMARKS = {
    "pages": bench_pages,
    "submissions": bench_submissions,
    "exports": bench_exports,
    "pdfs": bench_pdfs,
    "admin": bench_admin,
}


def postgres_version():
    try:
        import psycopg

        url = os.environ.get(
            "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/"
        )
        with psycopg.connect(
            url.rsplit("/", 1)[0] + "/postgres", connect_timeout=3
        ) as conn:
            return conn.execute("SHOW server_version").fetchone()[0].split()[0]
    except Exception:  # no PostgreSQL here
        return None


def machine():
    """CPU model, cores, memory, Python and databases: what the table ran on."""
    import sqlite3

    import django
    import wagtail

    cpu = platform.processor() or platform.machine()
    memory = ""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            cpu = next(
                line.split(":", 1)[1].strip()
                for line in cpuinfo
                if line.startswith("model name")
            )
        with open("/proc/meminfo") as meminfo:
            kib = int(
                next(line for line in meminfo if line.startswith("MemTotal")).split()[1]
            )
            memory = f", {kib / 1024 / 1024:.0f} Go de mémoire"
    except (OSError, StopIteration, ValueError):
        pass
    databases = f"SQLite {sqlite3.sqlite_version}"
    if version := postgres_version():
        databases += f", PostgreSQL {version}"
    return (
        f"{cpu}, {os.cpu_count()} cœurs{memory} ; Python {platform.python_version()}, "
        f"Django {django.get_version()}, Wagtail {wagtail.__version__} ; {databases}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", choices=[*BENCHMARKS, []], default=[])
    args = parser.parse_args()
    rows = []
    load_before = os.getloadavg()
    started = time.monotonic()
    for name in args.names or BENCHMARKS:
        BENCHMARKS[name](rows)
    minutes = (time.monotonic() - started) / 60
    load_after = os.getloadavg()
    header = ("Mesure", "Amorce", "Référence", "Ratio", "Conditions")
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
        *("| " + " | ".join(row) + " |" for row in rows),
        "",
        f"Machine : {machine()}, {time.strftime('%Y-%m-%d')}. Charge (load average "
        f"1 min) : {load_before[0]:.1f} au début, {load_after[0]:.1f} à la fin "
        f"({load_after[2]:.1f} en moyenne sur 15 min) ; {minutes:.0f} min.",
    ]
    table = "\n".join(lines)
    print(table)
    (RESULTS / "latest.md").write_text(table + "\n")


if __name__ == "__main__":
    main()
