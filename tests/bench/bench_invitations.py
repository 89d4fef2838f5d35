"""Benchmark: 2,000 invitations from one CSV file.

Through the real views (a test client, CSRF off): the secretariat uploads the list (read, checked
against 500 accounts and 300 organisations, previewed), then confirms it (organisations created,
invitations and their mails written, one delivery job each queued in huey's SQLite storage, as in
production). Then huey's consumer (two threads, as `flask worker` runs by default) delivers them
with the file transport. Prints the times and the process's memory (RSS) as the sending goes on:
a flat line means no phase holds the whole list. Target: preview + queue ≤ 10 s, sending ≤ 60 s.
Wall times depend on what else the machine runs; the CPU times are this process's own.
Run: .venv/bin/python tests/bench/bench_invitations.py [--people 2000] [--database URL]
"""

import argparse
import io
import resource
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from consult import create_app, jobs  # noqa: E402
from consult.accounts import services as accounts  # noqa: E402
from consult.extensions import db  # noqa: E402
from consult.models import Invitation, Organisation, OrganisationKind, OutgoingMail, Region, Role, User  # noqa: E402

PASSWORD = "a long enough password"
PROFILE = "--profile" in sys.argv


def rss_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize() / 2**20


def csv_text(people: int) -> str:
    lines = ["Nom;Courriel;Organisation;Pays;Rôle;Langue;Région;Type"]
    for n in range(people):
        if n % 3 == 0:  # an organisation on the platform, written in capitals
            organisation, extra = f"CITY {n % 300}", ";"
        elif n % 3 == 1:  # a new one, described by the list
            organisation, extra = f"Nouvelle ville {n % 400}", "Europe;Local government"
        else:
            organisation, extra = "", ";"
        lines.append(f"Personne {n};person{n}@bench.example;{organisation};FR;Point focal;{'enfres'[n % 3 * 2:][:2]};"
                     + extra)
    lines.append("Someone;u7@bench.example;;FR;;;;")  # has an account: a row with an error
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--database")
    parser.add_argument("--profile", action="store_true", help="print where the sending's time goes")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-invitations-"))
    app = create_app({
        "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": args.database or f"sqlite:///{tmp / 'bench.sqlite'}",
        "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "JOBS_IMMEDIATE": False,
        "BASE_URL": "http://bench.example", "MAIL_TRANSPORT": "file", "MAIL_OUTBOX_DIR": str(tmp / "outbox"),
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }, instance_path=str(tmp / "instance"))
    app.logger.disabled = True
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.add_all(Organisation(name=f"City {n}", kind=OrganisationKind.local_government, country="FR",
                                        region=Region.europe) for n in range(300))
        db.session.add_all(User(email=f"u{n}@bench.example", name=f"U {n}", password_hash="x") for n in range(500))
        accounts.register(email="secretariat@bench.example", name="Secretariat", password=PASSWORD, locale="en",
                          organisation=None, role=Role.secretariat)
        db.session.commit()
    text = csv_text(args.people).encode("utf-8-sig")
    print(f"{args.people} people, {len(text) / 1024:.0f} KiB of CSV; RSS {rss_mb():.0f} MB")

    client = app.test_client()
    client.post("/account/login", data={"email": "secretariat@bench.example", "password": PASSWORD})
    start, cpu_start = time.perf_counter(), time.process_time()
    response = client.post("/invitations/new", data={"file": (io.BytesIO(text), "list.csv"), "locale": "en"},
                           content_type="multipart/form-data")
    previewed = time.perf_counter()
    assert response.status_code == 200, response.status_code
    assert "name=\"token\"" in response.text, response.text[-3000:]
    token = response.text.split('name="token" type="hidden" value="')[1].split('"')[0]
    page_kib = len(response.data) / 1024
    if PROFILE:
        import cProfile
        import pstats
        profile = cProfile.Profile()
        profile.enable()
    response = client.post("/invitations/send", data={"token": token})
    if PROFILE:
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
    queued, cpu_queued = time.perf_counter(), time.process_time()
    assert response.status_code == 302, response.status_code
    print(f"preview: {previewed - start:.2f} s (page {page_kib:.0f} KiB); "
          f"send (write + queue): {queued - previewed:.2f} s; total {queued - start:.2f} s (target ≤ 10 s); "
          f"CPU {cpu_queued - cpu_start:.2f} s; RSS {rss_mb():.0f} MB")

    with app.app_context():
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Invitation))
        organisations = db.session.scalar(sa.select(sa.func.count()).select_from(Organisation))
        db.session.remove()
    print(f"{total} invitations, {organisations - 300} organisations created, {len(jobs.huey)} jobs queued")

    consumer = jobs.run_consumer(workers=2, in_thread=True)
    start, cpu_start = time.perf_counter(), time.process_time()
    samples = []
    while True:
        with app.app_context():
            sent = db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingMail)
                                     .where(OutgoingMail.sent_at.is_not(None)))
            db.session.remove()
        samples.append((time.perf_counter() - start, sent, rss_mb()))
        if sent >= total or time.perf_counter() - start > 300:
            break
        time.sleep(1)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    consumer.stop(graceful=True)
    files = len(list((tmp / "outbox").glob("*.eml")))
    print(f"sending: {sent} sent, {files} .eml files in {elapsed:.1f} s (target ≤ 60 s), CPU {cpu:.1f} s")
    step = max(1, len(samples) // 8)
    print("RSS while sending (s, sent, MB): " + ", ".join(f"{t:.0f}/{n}/{m:.0f}" for t, n, m in samples[::step]))
    print(f"peak RSS of the process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
