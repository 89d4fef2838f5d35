"""Benchmark: the redline's cost is bounded whatever is pasted.

Times, through the app, (A) the preview of an amendment whose text is 20,000 characters of two
alternating words ("right city right city …") against an ordinary article, and (B) the first view
of an ordinary one-word amendment of the same article — interleaved A, B, A, B so that a busy
machine weighs on both alike, the redline memo cleared before each so every run computes it.
Each request runs in its own app context. Prints medians with min–max and their ratio; then,
for scale, the pure redline of two different floods, which runs into the time budget.
Run: .venv/bin/python tests/bench/bench_redline.py
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from consult import create_app  # noqa: E402
from consult.amendments import services as amendments  # noqa: E402
from consult.extensions import db  # noqa: E402
from consult.models import AmendmentKind, Article, Round, User  # noqa: E402
from consult.seeding import DEMO_PASSWORD, load_seeds  # noqa: E402
from consult.text.redline import TIME_BUDGET, redline_html, structural_diff, word_diff  # noqa: E402

FLOOD = ("right city " * 2000)[:20000]


def build(app) -> tuple[int, int, int, str]:
    """The demo consultation and one ordinary amendment: one word added to article I."""
    with app.app_context():
        db.drop_all()
        db.create_all()
        load_seeds(ROOT / "seeds")
        round_ = db.session.scalar(sa.select(Round).where(Round.slug == "global-online-consultation"))
        article = db.session.scalar(sa.select(Article).where(Article.version_id == round_.version_id,
                                                             Article.number == "I"))
        person = db.session.scalars(sa.select(User).where(User.role == "participant")).first()
        text = article.text("en")
        amendment, _ = amendments.propose(person, round_, article, amendments.Proposal(
            AmendmentKind.modify, "en", text.title, text.body.replace("decent", "decent and affordable", 1),
            "Housing costs."))
        db.session.commit()
        return round_.id, article.id, amendment.id, person.email


def timed(app, request) -> float:
    structural_diff.cache_clear()
    word_diff.cache_clear()
    with app.app_context():
        start = time.perf_counter()
        response = request()
        elapsed = time.perf_counter() - start
    assert response.status_code == 200, response.status_code
    return elapsed


def summary(times: list[float]) -> str:
    return f"{statistics.median(times) * 1000:7.1f} ms (min {min(times) * 1000:.1f} – max {max(times) * 1000:.1f})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite", "SECRET_KEY": "bench",
                          "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False,
                          "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "SEEDS_DIR": str(ROOT / "seeds")},
                         instance_path=tmp)
        round_id, article_id, amendment_id, email = build(app)
        client = app.test_client()
        with app.app_context():
            assert client.post("/account/login", data={"email": email, "password": DEMO_PASSWORD}).status_code == 302
            title = db.session.get(Article, article_id).text("en").title
        preview = {"locale": "en", "title": title, "body": FLOOD, "rationale": "A flood.", "preview": "1"}

        def flood_preview():
            return client.post(f"/charter/articles/{article_id}/amend?kind=modify&round={round_id}", data=preview)

        def first_view():
            return client.get(f"/amendments/{amendment_id}")

        page = flood_preview().get_data(as_text=True)
        assert "right city" in page and "<ins>" in page, "the preview shows no redline"
        flood, ordinary = [], []
        for _ in range(args.runs):
            flood.append(timed(app, flood_preview))
            ordinary.append(timed(app, first_view))
        with app.app_context():
            db.engine.dispose()
    worst = []
    for _ in range(3):
        structural_diff.cache_clear()
        start = time.perf_counter()
        redline_html("right city " * 1000, "city right right " * 700)
        worst.append(time.perf_counter() - start)
    print(f"runs: {args.runs} of each, interleaved; redline memo cleared before each request")
    print(f"A  preview, 20,000 chars of two alternating words  {summary(flood)}")
    print(f"B  first view of a one-word amendment              {summary(ordinary)}")
    print(f"ratio A / B (medians) = {statistics.median(flood) / statistics.median(ordinary):.1f}x")
    print(f"C  pure redline of two different floods            {summary(worst)} (time budget {TIME_BUDGET} s)")


if __name__ == "__main__":
    main()
