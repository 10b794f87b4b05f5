"""Two web nodes and two task workers; one of each killed (SIGKILL) at the closing minute.

The load of ``load_closing.py`` (its plan, its clients, its checks against the
database), on two gunicorn nodes (each with its own workers, its own port)
and two workers (``manage.py run_worker``), sharing PostgreSQL (database
``amorce_nodes``, dropped and recreated), a Redis cache (``NODES_REDIS_URL``,
by default database 11 of the local Redis, emptied first) and the private
files' folder. The receipts go to a small SMTP server started here, which
counts every message it accepts, by its Message-ID.

Before the load, an export and a jury book are queued. The submissions go to
the two nodes in turn. Halfway to the closing time, once node 2 has been
answering a request for 20 ms, it is killed (its whole process group, as a
machine that dies): the requests in flight there have their connection cut; from then on the load balancer (the clients here) sends
everything to node 1. From halfway on, the SMTP server holds its reply to
worker 2's next email; worker 2 is killed once node 2 is and that email is
held: the worker dies with a task claimed, its email not accepted. django-tasks-db would leave
that task RUNNING for ever; the surviving worker sees that worker 2 no longer
beats and runs it (``core.workers``).

Then, once the surviving worker has emptied the queue:

- everything ``load_closing.py`` checks: answered before the closing time,
  stored once; after, refused; no 5xx. A copy cut by the kill is counted
  apart; its client sends it again to node 1 when it holds a token (the
  form's, or an Idempotency-Key), and is told what was stored; without one,
  it is stored once or not at all;
- each candidature stored got exactly one receipt and one notice to the team
  (counted at the SMTP server), and is marked sent; the email held when
  worker 2 died was sent once, by worker 1;
- no task is left waiting, running or failed; the export and the jury book
  are done, their files on disk;
- no traceback in the logs of the surviving node and worker.

Exits 1 with the failures listed when any of this does not hold.

    python bench/two_nodes.py                # 200 submissions (make load-nodes)
    python bench/two_nodes.py --count 60     # the reduced run in .ci/run
"""

import argparse
import datetime as dt
import email
import json
import os
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "site")]

from bench import load_closing as load  # noqa: E402
from bench.run import (  # noqa: E402
    PYTHON,
    RESULTS,
    free_port,
    gunicorn_command,
    manage,
)
from bench.sandbox import (  # noqa: E402
    bounded,
    drop_postgres,
    fresh_postgres,
    prepare,
    sandbox_env,
)

DATABASE = "amorce_nodes"
REDIS_URL = os.environ.get("NODES_REDIS_URL", "redis://127.0.0.1:6379/11")
LOGS = RESULTS / "nodes"
QUEUE_JOBS = """
from django.contrib.auth import get_user_model
from exports.models import ExportJob
from exports.tasks import run_export
from selection.models import ReviewRound

user = get_user_model().objects.filter(is_superuser=True).first()
review_round = ReviewRound.objects.first()
jobs = [
    ExportJob.objects.create(
        user=user, kind="candidatures", label="Toutes", params={}, format="xlsx"
    ),
    ExportJob.objects.create(
        user=user,
        kind="jury_book",
        label=str(review_round),
        format="pdf",
        total=review_round.candidatures.count(),
        params={"round": review_round.pk, "member": None, "attachments": False},
    ),
]
for job in jobs:
    run_export.enqueue(str(job.pk))
"""


# The SMTP server -------------------------------------------------------------


class MailServer:
    """Accepts every message (250) and keeps its Message-ID, except one held.

    ``hold(port)``: the next message that ends on ``port`` gets no reply;
    ``held`` is set, and once ``release`` is, its connection is closed
    without a reply: the message was not accepted, as for a real server.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.accepted = []  # (port, Message-ID, recipients)
        self.hold_port = None
        self.held = threading.Event()
        self.release = threading.Event()
        self.held_id = ""
        self.servers = []

    def listen(self):
        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SmtpHandler)
        server.daemon_threads = True
        server.mail = self
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.servers.append(server)
        return server.server_address[1]

    def hold(self, port):
        with self.lock:
            self.hold_port = port

    def accept(self, port, message, recipients):
        with self.lock:
            holding = port == self.hold_port and not self.held.is_set()
            if holding:
                self.held_id = message["Message-ID"] or ""
                self.held.set()
            else:
                self.accepted.append((port, message["Message-ID"] or "", recipients))
        if holding:
            self.release.wait(120)
        return not holding

    def close(self):
        self.release.set()
        for server in self.servers:
            server.shutdown()
            server.server_close()


class SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for Django's backend: EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def reply(self, text):
        self.wfile.write(f"{text}\r\n".encode())

    def handle(self):
        mail = self.server.mail
        port = self.server.server_address[1]
        recipients = []
        self.reply("220 amorce-bench ESMTP")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.reply("250 amorce-bench")
            elif verb == b"MAIL":
                recipients = []
                self.reply("250 OK")
            elif verb == b"RCPT":
                recipients.append(line.decode().split(":", 1)[1].strip(" <>\r\n"))
                self.reply("250 OK")
            elif verb == b"DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b".\n"):
                    if not data:
                        return  # cut in the middle: nothing accepted
                    lines.append(data[1:] if data.startswith(b"..") else data)
                message = email.message_from_bytes(b"".join(lines))
                if not mail.accept(port, message, tuple(recipients)):
                    return
                self.reply("250 OK queued")
            elif verb in (b"RSET", b"NOOP"):
                self.reply("250 OK")
            elif verb == b"QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


# Processes -------------------------------------------------------------------


def start(args, env, log_name):
    """A process in a session of its own: SIGKILL to its group kills it whole."""
    log = open(LOGS / log_name, "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        args,
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    process.log = log
    return process


def stop(process, sig=signal.SIGTERM):
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
    process.log.close()


def web_node(env, number, workers):
    port = free_port()
    process = start(gunicorn_command(port, workers), env, f"web-{number}.log")
    return process, port


def task_worker(env, number):
    return start(
        [
            PYTHON,
            str(ROOT / "manage.py"),
            "run_worker",
            "--queue-name",
            "*",
            "--interval",
            "0.2",
            "--no-startup-delay",
        ],
        env,
        f"worker-{number}.log",
    )


def wait_for(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"ÉCHEC : {what} (après {seconds} s)")
        time.sleep(0.1)


def listening(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def query(database_url, sql, params=()):
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


# The load balancer (the clients' side) ----------------------------------------


class Balancer:
    """Sends each copy to its node, or to the survivor once the other is down.

    A copy whose connection the kill cut is marked « cut »; sent again to the
    survivor when the submission holds a token (what a client that lost the
    answer does), as it is, otherwise. A copy refused at connection (the node
    already gone, nothing sent) goes to the survivor.
    """

    def __init__(self, survivor, victim):
        self.survivor, self.victim = survivor, victim
        self.killed_at = None
        self.rerouted = 0
        self.lock = threading.Lock()
        self.in_flight = {}  # copies being answered by the victim: id -> sent at

    def busy_victim(self, for_at_least):
        """True while the victim has been answering a copy for ``for_at_least`` seconds."""
        with self.lock:
            oldest = min(self.in_flight.values(), default=None)
        return oldest is not None and time.monotonic() - oldest >= for_at_least

    def send(self, submission, form_page_id):
        if self.killed_at is not None and submission.port == self.victim:
            submission.port = self.survivor
        port = submission.port
        key = object()
        if port == self.victim:
            with self.lock:
                self.in_flight[key] = time.monotonic()
        try:
            copy = load.send(submission, form_page_id)
        finally:
            with self.lock:
                self.in_flight.pop(key, None)
        if copy.status != "error" or port != self.victim or self.killed_at is None:
            return copy
        if copy.answered < self.killed_at:
            return copy  # an error before the kill: a failure
        submission.port = self.survivor
        if "ConnectionRefused" in copy.detail:
            with self.lock:
                self.rerouted += 1
            return load.send(submission, form_page_id)
        copy.outcome = "cut"
        submission.cut.append(copy)
        if submission.channel == "form" or submission.token:
            return load.send(submission, form_page_id)
        return copy


# The run ----------------------------------------------------------------------


def main():  # noqa: C901 - one scenario, read top to bottom
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="submissions")
    parser.add_argument("--clients", type=int, default=24, help="concurrent clients")
    parser.add_argument(
        "--window",
        type=float,
        default=None,
        help="seconds of sending on each side of the closing time (default: count / 40, at least 3)",
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="gunicorn workers per node"
    )
    parser.add_argument("--time-limit", type=int, default=900)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    window = args.window or max(3.0, args.count / 40)
    started = time.monotonic()
    bounded(args.time_limit)
    LOGS.mkdir(parents=True, exist_ok=True)

    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    database_url = fresh_postgres(DATABASE)
    env = sandbox_env("nodes", database_url)
    env.update({"REDIS_URL": REDIS_URL, "AMORCE_WORKER_HEARTBEAT": "1"})
    prepare(env)
    manage(env, "ensure_admin")
    print(f"site prêt en {time.monotonic() - started:.0f} s", flush=True)

    mail = MailServer()
    failures = []
    try:
        with ExitStack() as stack:
            stack.callback(mail.close)
            mail_ports = [mail.listen(), mail.listen()]
            nodes, workers = [], []
            for number in (1, 2):
                node_env = {**env, "EMAIL_HOST": "127.0.0.1"}
                node_env["EMAIL_BACKEND"] = (
                    "django.core.mail.backends.smtp.EmailBackend"
                )
                node_env["EMAIL_PORT"] = str(mail_ports[number - 1])
                process, port = web_node(node_env, number, args.workers)
                stack.callback(stop, process)
                nodes.append((process, port))
                worker = task_worker(node_env, number)
                stack.callback(stop, worker)
                workers.append(worker)
            for _process, port in nodes:
                wait_for(
                    lambda p=port: listening(p), 60, f"le nœud web {port} ne répond pas"
                )
            (_node1, port1), (node2, port2) = nodes
            victim_worker = workers[1]

            load.PORT = port1
            status, _cookie, raw = load.request("GET", "/api/v3/forms/")
            forms = [
                f
                for f in json.loads(raw)
                if f["url"] and f["url"].endswith(load.FORM_PATH)
            ]
            if status != 200 or not forms:
                raise SystemExit(
                    f"ÉCHEC : le formulaire de la démo est introuvable ({status})"
                )
            form_page_id, call_id = forms[0]["id"], forms[0]["call_id"]
            before_rows = len(load.stored_rows(database_url, call_id))

            submissions = load.plan(args.count)
            for submission in submissions:  # in turn, each channel on both nodes
                number = submission.number
                submission.port = (port1, port2)[(number + number // 2) % 2]
            load.set_call_dates(
                database_url, call_id, dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
            )
            with ThreadPoolExecutor(args.clients) as pool:
                list(
                    pool.map(
                        load.open_form, [s for s in submissions if s.channel == "form"]
                    )
                )
            manage(env, "shell", "-c", QUEUE_JOBS)

            closes = int(time.time()) + int(window) + 2
            if closes % 60 == 0:
                closes += 1
            boundary = closes + 1.0
            load.set_call_dates(
                database_url, call_id, dt.datetime.fromtimestamp(closes, dt.UTC)
            )
            begin = boundary - window
            step = 2 * window / max(1, args.count - 1)
            for index, submission in enumerate(submissions):
                submission.at = begin + index * step
            kill_at = begin + window / 2
            print(
                f"clôture à {dt.datetime.fromtimestamp(closes).strftime('%H:%M:%S')} ; "
                f"{args.count} envois sur les nœuds {port1} et {port2}, "
                f"nœud 2 et worker 2 tués à {kill_at - boundary:+.1f} s de la clôture",
                flush=True,
            )

            balancer = Balancer(port1, port2)
            kills = {}

            def kill():
                # Halfway to the closing time, while node 2 answers a request.
                time.sleep(max(0.0, kill_at - time.time()))
                # Worker 2's next email from now on is held: it dies sending it,
                # even if node 2 is busy only once the call has closed (no
                # candidature, hence no email, after that: a smaller run waited
                # for the node past the closing, and worker 2 was killed idle).
                mail.hold(mail_ports[1])
                deadline = time.monotonic() + window
                while not balancer.busy_victim(0.02) and time.monotonic() < deadline:
                    time.sleep(0.005)
                balancer.killed_at = time.time()
                os.killpg(node2.pid, signal.SIGKILL)
                kills["web"] = balancer.killed_at - boundary
                if mail.held.wait(60):
                    os.killpg(victim_worker.pid, signal.SIGKILL)
                    kills["worker"] = time.time() - boundary
                else:
                    os.killpg(victim_worker.pid, signal.SIGKILL)
                    kills["worker idle"] = time.time() - boundary
                victim_worker.wait(timeout=30)
                mail.release.set()

            killer = threading.Thread(target=kill, daemon=True)
            killer.start()
            fired = time.monotonic()
            with ThreadPoolExecutor(args.clients) as pool:
                list(
                    pool.map(
                        lambda s: load.fire(s, form_page_id, balancer.send), submissions
                    )
                )
            firing = time.monotonic() - fired
            late = [s for s in submissions if s.retry_late]
            with ThreadPoolExecutor(args.clients) as pool:
                for submission, copy in zip(
                    late,
                    pool.map(lambda s: balancer.send(s, form_page_id), late),
                    strict=True,
                ):
                    submission.retries.append(copy)
            killer.join(90)
            if "worker idle" in kills:
                failures.append(
                    "worker 2 sent no email within 60 s of the kill: killed idle, proves nothing"
                )

            drained = time.monotonic()

            def queue_empty():
                return not query(
                    database_url,
                    "SELECT 1 FROM django_tasks_database_dbtaskresult "
                    "WHERE status IN ('READY', 'RUNNING') LIMIT 1",
                )

            wait_for(
                queue_empty, max(120, args.count), "la file des tâches ne se vide pas"
            )
            draining = time.monotonic() - drained
            rows = load.stored_rows(database_url, call_id)
            tasks = query(
                database_url,
                "SELECT status, jsonb_array_length(worker_ids), task_path "
                "FROM django_tasks_database_dbtaskresult",
            )
            jobs = query(
                database_url, "SELECT kind, state, file FROM exports_exportjob"
            )
            sent_marks = query(
                database_url,
                "SELECT reference, confirmation_sent_at IS NOT NULL, "
                "notification_sent_at IS NOT NULL FROM forms_candidature WHERE call_id = %s",
                [call_id],
            )
    finally:
        if not args.keep:
            drop_postgres(DATABASE)

    load_failures, counts, told, _latest, stored = load.check(
        submissions, rows, boundary
    )
    failures += load_failures
    if len(rows) - before_rows != stored:
        failures.append(f"{len(rows) - before_rows} new rows for {stored} of ours")

    # Emails: one receipt and one notice per candidature of ours, at the SMTP server.
    ours = {s.email for s in submissions}
    references = {reference for mail_to, reference, *_ in rows if mail_to in ours}
    per_message = {}
    for _port, message_id, _recipients in mail.accepted:
        per_message[message_id] = per_message.get(message_id, 0) + 1
    for reference in sorted(references):
        for kind in ("receipt", "notice"):
            got = [
                n
                for message_id, n in per_message.items()
                if message_id.startswith(f"<{kind}.") and f".{reference}@" in message_id
            ]
            if got != [1]:
                failures.append(
                    f"{reference}: {kind} accepted {got or [0]} time(s), not once"
                )
    marks = {reference: (receipt, notice) for reference, receipt, notice in sent_marks}
    unmarked = [r for r in references if marks.get(r) != (True, True)]
    if unmarked:
        failures.append(f"not marked sent: {sorted(unmarked)[:10]}")
    held_reference = (
        mail.held_id.split("@")[0].rsplit(".", 1)[-1] if mail.held_id else ""
    )
    if mail.held_id and per_message.get(mail.held_id) != 1:
        failures.append(
            f"the email held when worker 2 died ({mail.held_id}) was accepted "
            f"{per_message.get(mail.held_id, 0)} time(s), not once"
        )

    # Tasks and background jobs.
    by_status = {}
    for status, _claims, _path in tasks:
        by_status[status] = by_status.get(status, 0) + 1
    requeued = sum(1 for _status, claims, _path in tasks if claims > 1)
    if set(by_status) - {"SUCCESSFUL"}:
        failures.append(f"tasks not all successful: {by_status}")
    if mail.held_id and not requeued:
        failures.append("no task was run again after worker 2 died")
    for kind, state, file in jobs:
        path = Path(env["PRIVATE_MEDIA_ROOT"]) / file if file else None
        if state != "done" or path is None or not path.is_file():
            failures.append(f"export {kind}: {state}, file {file or 'none'}")

    # Server errors: none, the connections cut by the kill apart.
    copies = [c for s in submissions for c in (*s.sent, *s.retries, *s.cut)]
    cut = sum(1 for c in copies if c.outcome == "cut")
    resent = sum(
        1 for s in submissions if s.cut and any(c.outcome != "cut" for c in s.sent)
    )
    server_errors = sum(
        1 for c in copies if isinstance(c.status, int) and c.status >= 500
    )
    for name in ("web-1.log", "worker-1.log"):
        text = (LOGS / name).read_text(errors="replace")
        if "Traceback" in text:
            failures.append(f"{name}: a traceback (see {LOGS / name})")
    statuses = {}
    for copy in copies:
        statuses[copy.status] = statuses.get(copy.status, 0) + 1

    print(
        f"{args.count} candidatures sur 2 nœuds ({len(copies)} requêtes, envoi en {firing:.1f} s) : "
        f"{counts['before']} répondues avant la clôture, {counts['after']} envoyées après, "
        f"{counts['straddling']} à cheval, {counts.get('cut', 0)} sans réponse (coupées) ; "
        f"{told['accepted']} acceptées, {told['refused']} refusées, {stored} enregistrées. "
        f"Nœud 2 tué à {kills.get('web', 0):+.1f} s de la clôture : {cut} connexion(s) coupée(s) "
        f"({resent} candidature(s) renvoyée(s) au nœud 1 avec leur jeton), "
        f"{balancer.rerouted} refusée(s) à la connexion puis envoyée(s) au nœud 1 ; "
        f"erreurs 5xx : {server_errors} ; "
        f"statuts HTTP {dict(sorted(statuses.items(), key=str))}. "
        f"Worker 2 tué à {kills.get('worker', kills.get('worker idle', 0)):+.1f} s"
        + (
            f", en plein envoi du courriel de {held_reference}"
            if held_reference
            else ""
        )
        + f" ; courriels acceptés : {len(mail.accepted)} pour {len(references)} candidatures "
        f"(accusé + avis), {requeued} tâche(s) reprise(s) par le worker 1, "
        f"file vidée en {draining:.1f} s ; tâches {by_status} ; "
        f"exports {[(kind, state) for kind, state, _file in jobs]} ; "
        f"{time.monotonic() - started:.0f} s en tout."
    )
    minimum = max(1, args.count // 10)
    if counts["before"] < minimum or counts["after"] < minimum:
        failures.append(
            f"too few submissions on one side of the closing time: {counts}"
        )
    if failures:
        print(f"ÉCHEC de l'essai à deux nœuds : {len(failures)} problème(s)")
        for failure in failures[:50]:
            print(f"  - {failure}")
        sys.exit(1)
    print(
        "OK : deux nœuds, l'un tué ; avant la clôture, enregistrées une fois ; après, refusées ; "
        "chaque courriel envoyé une fois ; exports terminés ; aucune erreur serveur."
    )


if __name__ == "__main__":
    main()
