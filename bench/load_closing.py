"""Load at the closing minute: concurrent submissions across a call's closing time.

Gunicorn on 127.0.0.1 with production settings and PostgreSQL (database
``amorce_load``, dropped and recreated). The demo call's closing time is set a
few seconds ahead; ``--count`` submissions, half through the public form
(multipart, CSRF, its one-time token, some with a PDF) and half through the
API (JSON, some with an ``Idempotency-Key``), are scheduled evenly across it by
``--clients`` concurrent clients. Every tenth is sent twice at once with the
same token, as a double click would, and some sent before the closing time
are sent again after it with the same token, as a client that lost the answer
would.

Then the clients' answers are checked against the database:

- every submission answered before the closing time was accepted, with a
  reference, and is stored exactly once under that reference;
- every submission sent after the closing time was refused (410, the French
  refusal page or the API's problem) and nothing of it is stored;
- one sent while the call closed may go either way, but what its client was
  told is what the database holds;
- references are unique, every stored candidature is « reçue », no answer is
  a 5xx or a broken connection;
- a submission sent again after the closing time with its token gets back
  what it was told the first time (its reference), and nothing new is stored.

Exits 1 with the failures listed when any of this does not hold.

    python bench/load_closing.py                 # 200 submissions (make load)
    python bench/load_closing.py --count 60      # the reduced run in .ci/run
"""

import argparse
import datetime as dt
import http.client
import json
import os
import re
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "site")]

from bench.run import RESULTS, gunicorn, submission_payloads  # noqa: E402
from bench.sandbox import (  # noqa: E402
    bounded,
    drop_postgres,
    fresh_postgres,
    prepare,
    sandbox_env,
)

HOST = "127.0.0.1"
DATABASE = "amorce_load"
FORM_PATH = "/programme/appel-a-candidatures/candidater/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REFERENCE = re.compile(r"porte la référence ([^<\s]+)")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TOKEN = re.compile(r'name="jeton" value="([^"]+)"')
REFUSED_PAGE = "Cet appel est clos"


@dataclass
class Copy:
    """One HTTP request of a submission, and what its client was told."""

    sent: float = 0.0
    answered: float = 0.0
    status: object = None
    outcome: str = ""  # accepted | refused | unexpected | cut (by a node killed, bench/two_nodes.py)
    reference: str = ""
    detail: str = ""


@dataclass
class Submission:
    number: int
    channel: str  # form | api
    at: float = 0.0  # scheduled send time (epoch seconds)
    copies: int = 1
    with_file: bool = False
    retry_late: bool = False
    port: int | None = None  # the web node it is sent to (None: PORT)
    token: str = ""
    cookie: str = ""
    csrf: str = ""
    sent: list = field(default_factory=list)
    retries: list = field(default_factory=list)
    cut: list = field(default_factory=list)  # cut by a node killed (two_nodes.py)

    @property
    def email(self):
        return f"charge-{self.number:04d}@example.gouv.fr"


def connection(timeout=30, port=None):
    return http.client.HTTPConnection(HOST, port or PORT, timeout=timeout)


def request(method, path, body=None, headers=None, port=None):
    conn = connection(port=port)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheader("Set-Cookie", ""), response.read()
    finally:
        conn.close()


def multipart(fields, files):
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + str(value).encode()
            + b"\r\n"
        )
    for name, filename, content in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def open_form(submission):
    """What a browser does first: GET the form, keep its cookie, CSRF token and one-time token."""
    status, cookie, body = request("GET", FORM_PATH, port=submission.port)
    html = body.decode()
    if status != 200 or not CSRF.search(html) or not TOKEN.search(html):
        raise RuntimeError(f"GET {FORM_PATH}: {status}, no form to fill")
    submission.cookie = cookie.split(";", 1)[0]
    submission.csrf = CSRF.search(html).group(1)
    submission.token = TOKEN.search(html).group(1)


def answers_for(submission):
    answers, _stock = submission_payloads()
    answers = dict(answers)
    answers["identity_name"] = f"Agent {submission.number}"
    answers["identity_email"] = submission.email
    return answers


def send(submission, form_page_id):
    """One copy of the submission; return a Copy."""
    copy = Copy()
    answers = answers_for(submission)
    if submission.channel == "form":
        fields = {
            **answers,
            "csrfmiddlewaretoken": submission.csrf,
            "jeton": submission.token,
        }
        files = [("pieces_jointes", "note.pdf", PDF)] if submission.with_file else []
        body, content_type = multipart(fields, files)
        method_path = ("POST", FORM_PATH)
        headers = {"Content-Type": content_type, "Cookie": submission.cookie}
    else:
        body = json.dumps({"answers": answers}).encode()
        method_path = ("POST", f"/api/v3/forms/{form_page_id}/submissions/")
        headers = {"Content-Type": "application/json"}
        if submission.token:
            headers["Idempotency-Key"] = submission.token
    copy.sent = time.time()
    try:
        copy.status, _cookie, raw = request(
            *method_path, body=body, headers=headers, port=submission.port
        )
    except (OSError, http.client.HTTPException) as error:
        copy.answered = time.time()
        copy.status, copy.outcome, copy.detail = "error", "unexpected", repr(error)
        return copy
    copy.answered = time.time()
    text = raw.decode("utf-8", "replace")
    if submission.channel == "form":
        match = REFERENCE.search(text)
        if copy.status == 200 and match:
            copy.outcome, copy.reference = "accepted", match.group(1)
        elif copy.status == 410 and REFUSED_PAGE in text:
            copy.outcome = "refused"
        else:
            copy.outcome, copy.detail = "unexpected", text[:300]
    else:
        try:
            payload = json.loads(text)
        except ValueError:
            payload = {}
        if copy.status == 201 and payload.get("reference"):
            copy.outcome, copy.reference = "accepted", payload["reference"]
        elif copy.status == 410 and payload.get("detail"):
            copy.outcome = "refused"
        else:
            copy.outcome, copy.detail = "unexpected", text[:300]
    return copy


def fire(submission, form_page_id, send=send):
    """Wait for the submission's time, then send its copies at once (with ``send``)."""
    delay = submission.at - time.time()
    if delay > 0:
        time.sleep(delay)
    if submission.copies == 1:
        submission.sent = [send(submission, form_page_id)]
        return
    results = [None] * submission.copies

    def one(index):
        results[index] = send(submission, form_page_id)

    threads = [
        threading.Thread(target=one, args=(i,)) for i in range(submission.copies)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    submission.sent = results


def plan(count):
    submissions = []
    for number in range(count):
        submission = Submission(
            number=number,
            channel="form" if number % 2 == 0 else "api",
            copies=2 if number % 10 == 9 else 1,
            with_file=number % 8 == 0,
            retry_late=number % 10 in (3, 6) and number < count // 2,
        )
        if submission.channel == "api" and (
            number % 4 == 1 or submission.copies > 1 or submission.retry_late
        ):
            submission.token = str(uuid.uuid4())
        submissions.append(submission)
    return submissions


def set_call_dates(database_url, call_id, closes_at):
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE cms_pages_callpage SET opens_at = %s, closes_at = %s WHERE page_ptr_id = %s",
            [closes_at - dt.timedelta(days=30), closes_at, call_id],
        )


def stored_rows(database_url, call_id):
    import psycopg

    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT applicant_email, reference, status, submit_time, submission_token "
            "FROM forms_candidature WHERE call_id = %s",
            [call_id],
        ).fetchall()


def check(submissions, rows, boundary):
    """The failures, and a summary of what happened.

    A copy whose connection a killed node cut (outcome « cut », two_nodes.py)
    was answered nothing: the submission is judged on its other copies; with
    none, its client knows nothing, and it is stored once or not at all.
    """
    failures = []
    by_email = {}
    for email, reference, status, submit_time, token in rows:
        by_email.setdefault(email, []).append((reference, status, submit_time, token))
    references = [row[1] for row in rows]
    if len(references) != len(set(references)):
        failures.append("duplicate references in the database")
    counts = {"before": 0, "after": 0, "straddling": 0}
    told = {"accepted": 0, "refused": 0}
    latest_submit = None
    cut_stored = 0
    for submission in submissions:
        copies = [copy for copy in submission.sent if copy.outcome != "cut"]
        label = f"#{submission.number} ({submission.channel}, {len(copies)} copie(s))"
        if not copies:
            counts["cut"] = counts.get("cut", 0) + 1
            stored = by_email.get(submission.email, [])
            cut_stored += len(stored)
            if len(stored) > 1:
                failures.append(f"{label}: cut, stored {len(stored)} times")
            for retry in submission.retries:
                if retry.outcome == "accepted" and [s[0] for s in stored] != [
                    retry.reference
                ]:
                    failures.append(
                        f"{label}: cut, then told {retry.reference} after the closing time, "
                        f"stored as {[s[0] for s in stored]}"
                    )
                elif retry.outcome not in ("accepted", "refused") or (
                    retry.outcome == "refused" and stored and submission.token
                ):
                    failures.append(
                        f"{label}: cut, sent again after the closing time: told "
                        f"{retry.status} {retry.outcome}, stored {len(stored)}"
                    )
            continue
        for copy in copies:
            if copy.status == "error" or (
                isinstance(copy.status, int) and copy.status >= 500
            ):
                failures.append(
                    f"{label}: server error or broken connection: {copy.status} {copy.detail}"
                )
            elif copy.outcome == "unexpected":
                failures.append(
                    f"{label}: unexpected answer {copy.status}: {copy.detail[:200]!r}"
                )
        first_sent = min(copy.sent for copy in copies)
        last_answer = max(copy.answered for copy in copies)
        if last_answer < boundary:
            when = "before"
        elif first_sent >= boundary:
            when = "after"
        else:
            when = "straddling"
        counts[when] += 1
        outcomes = {copy.outcome for copy in copies}
        accepted_refs = {
            copy.reference for copy in copies if copy.outcome == "accepted"
        }
        stored = by_email.get(submission.email, [])
        if when == "before" and outcomes != {"accepted"}:
            failures.append(
                f"{label}: answered before the closing time but told {sorted(outcomes)}"
            )
        if when == "after" and outcomes != {"refused"}:
            failures.append(
                f"{label}: sent after the closing time but told {sorted(outcomes)}"
            )
        if accepted_refs:
            told["accepted"] += 1
            if len(accepted_refs) > 1:
                failures.append(
                    f"{label}: two references for one submission: {sorted(accepted_refs)}"
                )
            if len(stored) != 1:
                failures.append(f"{label}: accepted, stored {len(stored)} time(s)")
            elif stored[0][0] not in accepted_refs:
                failures.append(
                    f"{label}: told {sorted(accepted_refs)}, stored {stored[0][0]}"
                )
            for _reference, status, submit_time, _token in stored:
                if status != "received":
                    failures.append(f"{label}: stored as {status!r}, not received")
                latest_submit = max(latest_submit or submit_time, submit_time)
        else:
            told["refused"] += 1
            if stored:
                failures.append(
                    f"{label}: refused but stored as {[s[0] for s in stored]}"
                )
        for retry in submission.retries:
            if retry.status == "error" or (
                isinstance(retry.status, int) and retry.status >= 500
            ):
                failures.append(
                    f"{label}: retry: server error or broken connection: {retry.status} {retry.detail}"
                )
            elif accepted_refs and (
                retry.outcome != "accepted" or retry.reference not in accepted_refs
            ):
                failures.append(
                    f"{label}: accepted as {sorted(accepted_refs)} before the closing time, "
                    f"sent again after it with its token: told {retry.status} {retry.outcome} {retry.reference}"
                )
            elif not accepted_refs and retry.outcome != "refused":
                failures.append(
                    f"{label}: refused, sent again after the closing time: told {retry.outcome}"
                )
    ours = {submission.email for submission in submissions}
    stored_ours = [row for row in rows if row[0] in ours]
    if len(stored_ours) != told["accepted"] + cut_stored:
        failures.append(
            f"{len(stored_ours)} candidatures stored, {told['accepted']} accepted by the server"
            f" (and {cut_stored} stored of those cut)"
        )
    return failures, counts, told, latest_submit, len(stored_ours)


PORT = None
SERVER_LOG = RESULTS / "load" / "server.log"


@contextmanager
def stderr_to(path):
    """Processes started inside write their stderr to ``path`` (Django logs every 410)."""
    saved = os.dup(2)
    with open(path, "wb") as log:
        os.dup2(log.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def server_errors():
    text = SERVER_LOG.read_text(errors="replace") if SERVER_LOG.exists() else ""
    return [
        line for line in text.splitlines() if "Error" in line or "Traceback" in line
    ]


def main():
    global PORT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--count", type=int, default=200, help="submissions (default 200)"
    )
    parser.add_argument("--clients", type=int, default=24, help="concurrent clients")
    parser.add_argument(
        "--window",
        type=float,
        default=None,
        help="seconds of sending on each side of the closing time (default: count / 40)",
    )
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument(
        "--time-limit", type=int, default=600, help="stop after this many seconds"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the amorce_load database"
    )
    args = parser.parse_args()
    window = args.window or max(1.0, args.count / 40)
    started = time.monotonic()
    bounded(args.time_limit)

    database_url = fresh_postgres(DATABASE)
    env = sandbox_env("load", database_url)
    prepare(env)
    print(f"site prêt en {time.monotonic() - started:.0f} s", flush=True)

    try:
        with ExitStack() as stack:
            with stderr_to(SERVER_LOG):
                PORT = stack.enter_context(gunicorn(env, workers=args.workers))
            status, _cookie, raw = request("GET", "/api/v3/forms/")
            forms = [
                f for f in json.loads(raw) if f["url"] and f["url"].endswith(FORM_PATH)
            ]
            if status != 200 or not forms:
                raise SystemExit(
                    f"ÉCHEC : le formulaire de la démo est introuvable ({status})"
                )
            form_page_id, call_id = forms[0]["id"], forms[0]["call_id"]
            before_rows = len(stored_rows(database_url, call_id))

            submissions = plan(args.count)
            # The call is open while browsers load the form, as it would be.
            set_call_dates(
                database_url, call_id, dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
            )
            with ThreadPoolExecutor(args.clients) as pool:
                list(
                    pool.map(open_form, [s for s in submissions if s.channel == "form"])
                )

            # Closing time to the second (accepted until the end of that second),
            # never on a whole minute (the admin's minutes accept until :59).
            closes = int(time.time()) + int(window) + 2
            if closes % 60 == 0:
                closes += 1
            boundary = closes + 1.0
            set_call_dates(
                database_url, call_id, dt.datetime.fromtimestamp(closes, dt.UTC)
            )
            start = boundary - window
            step = 2 * window / max(1, args.count - 1)
            for index, submission in enumerate(submissions):
                submission.at = start + index * step
            print(
                f"clôture à {dt.datetime.fromtimestamp(closes).strftime('%H:%M:%S')} "
                f"(refus dès {dt.datetime.fromtimestamp(boundary).strftime('%H:%M:%S')}) ; "
                f"{args.count} envois de {start - time.time():+.1f} s à "
                f"{start + 2 * window - time.time():+.1f} s, {args.clients} clients",
                flush=True,
            )
            fired = time.monotonic()
            with ThreadPoolExecutor(args.clients) as pool:
                list(pool.map(lambda s: fire(s, form_page_id), submissions))
            firing = time.monotonic() - fired
            late = [s for s in submissions if s.retry_late]
            with ThreadPoolExecutor(args.clients) as pool:
                for submission, copy in zip(
                    late, pool.map(lambda s: send(s, form_page_id), late), strict=True
                ):
                    submission.retries.append(copy)
            rows = stored_rows(database_url, call_id)
    finally:
        if not args.keep:
            drop_postgres(DATABASE)

    failures, counts, told, latest_submit, stored = check(submissions, rows, boundary)
    if errors := server_errors():
        failures.append(f"the server logged errors (see {SERVER_LOG}): {errors[:5]}")
    if len(rows) - before_rows != stored:
        failures.append(f"{len(rows) - before_rows} new rows for {stored} of ours")
    copies = [c for s in submissions for c in (*s.sent, *s.retries)]
    statuses = {}
    for copy in copies:
        statuses[copy.status] = statuses.get(copy.status, 0) + 1
    latencies = sorted(c.answered - c.sent for c in copies)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    late = (latest_submit.timestamp() - boundary) if latest_submit else None
    print(
        f"{args.count} candidatures ({len(copies)} requêtes) en {firing:.1f} s : "
        f"{counts['before']} répondues avant la clôture, {counts['after']} envoyées après, "
        f"{counts['straddling']} à cheval ; {told['accepted']} acceptées, "
        f"{told['refused']} refusées ; "
        f"{sum(len(s.sent) > 1 for s in submissions)} envoyées deux fois à la fois, "
        f"{sum(len(s.retries) for s in submissions)} renvoyées après la clôture ; "
        f"{stored} enregistrées, références uniques : "
        f"{len({r[1] for r in rows}) == len(rows)} ; statuts HTTP {dict(sorted(statuses.items(), key=str))} ; "
        f"latence médiane {latencies[len(latencies) // 2] * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"
        + (
            f" ; dernière enregistrée à {late:+.2f} s de la clôture"
            if late is not None
            else ""
        )
        + f" ; {time.monotonic() - started:.0f} s en tout"
    )
    minimum = max(1, args.count // 10)
    if counts["before"] < minimum or counts["after"] < minimum:
        failures.append(
            f"too few submissions on one side of the closing time (at least {minimum} each): {counts}"
        )
    if failures:
        print(f"ÉCHEC du test de charge à la clôture : {len(failures)} problème(s)")
        for failure in failures[:50]:
            print(f"  - {failure}")
        sys.exit(1)
    print(
        "OK : avant la clôture, enregistrées une fois chacune ; après, refusées ; aucune erreur serveur."
    )


if __name__ == "__main__":
    main()
