"""Fuzz the API from its OpenAPI document with schemathesis.

Gunicorn on 127.0.0.1 with production settings, PostgreSQL (database
``amorce_fuzz``, dropped and recreated) and the demo content; schemathesis
reads ``/api/v3/openapi.json`` and sends what it generates (valid and invalid
parameters, headers and bodies, the examples and edge cases of each schema)
to every operation, anonymously, as the public does.

Four passes over the one document:

- **our operations** (forms and submissions, investigations' learnings), with
  every check that applies: no server error, a status code, content type,
  headers and body that the document declares, invalid input refused, unknown
  methods refused;
- the same on **the demo's open form** (its id given as ``page_id``): its
  schema, and generated submissions to it, JSON and multipart;
- **the staff's routes** (``/api/v3/staff/``) again, with a token of the
  demo's programme team (``create_staff_token``), every check as ours;
- **Wagtail's own operations** (pages, images, documents, sites, snippets,
  redirects…): no server error, and every answer whose status the document
  declares matches its content type and schema. Wagtail 8.0 does not declare
  its 401/404/422 problems, so their status codes are not held against it.

Exits non-zero, with schemathesis' report, when any answer fails a check.

    python bench/fuzz.py                                     # make fuzz
    python bench/fuzz.py --max-examples 15 --max-time 60     # .ci/run
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "site")]

from bench.run import RESULTS, gunicorn  # noqa: E402
from bench.sandbox import (  # noqa: E402
    bounded,
    drop_postgres,
    fresh_postgres,
    prepare,
    sandbox_env,
)

# Another name (AMORCE_FUZZ_DATABASE) lets two runs share one PostgreSQL server.
DATABASE = os.environ.get("AMORCE_FUZZ_DATABASE", "amorce_fuzz")
SCHEMA_PATH = "/api/v3/openapi.json"
OURS = r"^/api/v3/(forms|investigations|staff)/"  # our routers' paths
STRICT = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "missing_required_header",
    "unsupported_method",
]
PASSES = {
    # name: (label, filter, checks, page_id set to the demo's open form)
    "ours": ("opérations d'Amorce", ["--include-path-regex", OURS], STRICT, False),
    "ours-demo-form": (
        "opérations d'Amorce, sur le formulaire ouvert de la démo",
        ["--include-path-regex", r"^/api/v3/forms/\{page_id\}/"],
        STRICT,
        True,
    ),
    # The staff's routes again, with a token of the demo's programme team.
    "ours-staff": (
        "routes du personnel, avec un jeton de l'équipe programme",
        ["--include-path-regex", r"^/api/v3/staff/"],
        STRICT,
        False,
    ),
    "wagtail": (
        "opérations de Wagtail",
        # No snippet model is registered: Wagtail documents their `type` as the
        # constant "", an empty path segment no request can carry.
        ["--exclude-path-regex", r"^/api/v3/(forms|investigations|staff|snippets)/"],
        [
            "not_a_server_error",
            "content_type_conformance",
            "response_headers_conformance",
            "response_schema_conformance",
        ],
        False,
    ),
}
#: What refuses invalid input: schemathesis' own list, and gunicorn's 414.
REFUSALS = [
    "400", "401", "403", "404", "405", "406", "409", "414", "415", "422",
    "428", "429", "5xx",
]  # fmt: skip
WORKDIR = RESULTS / "fuzz"  # schemathesis' reports and example database


def fetch_document(port):
    """The OpenAPI document, read once with time to spare (the first one is built cold)."""
    import urllib.request

    url = f"http://127.0.0.1:{port}{SCHEMA_PATH}"
    with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 (loopback)
        document = response.read()
    path = WORKDIR / "openapi.json"
    path.write_bytes(document)
    return path


def demo_form_id(port):
    import json
    import urllib.request

    url = f"http://127.0.0.1:{port}/api/v3/forms/"
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (loopback)
        forms = json.loads(response.read())
    return next(form["id"] for form in forms if form["state"] == "open")


def staff_token(env):
    """A token of the demo's programme team, for the staff's routes."""
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "create_staff_token", "programme"],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()


def run_pass(name, port, document, form_id, args, token=None):
    label, filters, checks, on_demo_form = PASSES[name]
    command = [str(Path(sys.executable).with_name("st"))]
    config = WORKDIR / f"{name}.toml"
    # A request line too long is refused by gunicorn (414, declared in the
    # document: ``amorce.api.URI_TOO_LONG``): a refusal like the others.
    text = (
        "[checks.negative_data_rejection]\n"
        f"expected-statuses = {json.dumps(REFUSALS)}\n"
    )
    if on_demo_form:
        text = f'[parameters]\n"path.page_id" = {form_id}\n\n' + text
    config.write_text(text)
    command += ["--config-file", str(config)]
    command += [
        "run",
        str(document),
        "--url",
        f"http://127.0.0.1:{port}",
        *filters,
        "--checks",
        ",".join(checks),
        "--max-examples",
        str(args.max_examples),
        "--workers",
        "2",
        "--request-timeout",
        "30",
        "--suppress-health-check",
        "all",
        "--report",
        "junit",
        "--report-junit-path",
        str(WORKDIR / f"junit-{name}.xml"),
    ]
    if name == "ours-staff":
        command += ["--header", f"Authorization: Bearer {token}"]
    if args.max_time:
        command += ["--max-time", str(args.max_time)]
    if args.seed is not None:
        command += ["--seed", str(args.seed)]
    print(f"== schemathesis : {label}", flush=True)
    return subprocess.run(
        command, cwd=WORKDIR, env={**os.environ, "NO_COLOR": "1"}, check=False
    ).returncode


def only_tool_errors(name):
    """Whether a failed pass failed only by schemathesis' own crashes, no check failing.

    Hypothesis on Python 3.11.7 stops with « AST constructor recursion depth
    mismatch » while describing one of schemathesis' strategies (a CPython
    bug): no request of ours is at fault, and every check of the pass still
    ran. Such a pass is said, not counted as failed; a failed check (a server
    error, an answer outside the document) always fails the run.
    """
    from defusedxml import ElementTree

    report = WORKDIR / f"junit-{name}.xml"
    if not report.exists():
        return False
    root = ElementTree.parse(report).getroot()
    failures = root.findall(".//failure")
    errors = root.findall(".//error")
    if failures or not errors:
        return False
    print(
        f"schemathesis s'est arrêté sur {len(errors)} erreur(s) interne(s), sans "
        "aucune vérification en échec : ce n'est pas une réponse de l'API, la passe "
        "ne compte pas comme un échec (voir la trace ci-dessus).",
        flush=True,
    )
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--max-examples",
        type=int,
        default=200,
        help="test cases per operation and phase (default 200)",
    )
    parser.add_argument(
        "--max-time", type=int, default=None, help="seconds for each schemathesis pass"
    )
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument(
        "--only", action="append", choices=list(PASSES), help="only these passes"
    )
    parser.add_argument(
        "--time-limit", type=int, default=1800, help="stop after this many seconds"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the amorce_fuzz database"
    )
    args = parser.parse_args()
    started = time.monotonic()
    bounded(args.time_limit)
    WORKDIR.mkdir(parents=True, exist_ok=True)

    env = sandbox_env("fuzz", fresh_postgres(DATABASE))
    # Nearly every generated submission is refused: counted, they would soon
    # all get the same 429, and the form's checks would go unexplored.
    env["AMORCE_REFUSED_SUBMISSION_RATE_LIMIT"] = "0/3600"
    failed = []
    try:
        prepare(env)
        print(f"site prêt en {time.monotonic() - started:.0f} s", flush=True)
        with gunicorn(env, workers=2) as port:
            document = fetch_document(port)
            form_id = demo_form_id(port)
            token = staff_token(env)
            for name in args.only or PASSES:
                if run_pass(
                    name, port, document, form_id, args, token
                ) and not only_tool_errors(name):
                    failed.append(name)
    finally:
        if not args.keep:
            drop_postgres(DATABASE)
    print(f"{time.monotonic() - started:.0f} s en tout ; rapports JUnit dans {WORKDIR}")
    if failed:
        print(
            "ÉCHEC du fuzzing de l'API ("
            + ", ".join(failed)
            + ") : voir le rapport de schemathesis ci-dessus."
        )
        sys.exit(1)
    print("OK : aucune erreur serveur, chaque réponse conforme au document OpenAPI.")


if __name__ == "__main__":
    main()
