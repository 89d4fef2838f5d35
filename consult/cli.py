"""Flask commands: demo, seed, translate."""

from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple
from flask_migrate import upgrade

from consult import catalogs
from consult.extensions import db
from consult.models import Charter


def register_commands(app: Flask) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(seed_command)
    app.cli.add_command(translate)
    app.cli.add_command(report)


def _seeds_dir() -> Path:
    return Path(current_app.config["SEEDS_DIR"])


def _load_seeds_with_progress() -> dict[str, int]:
    from consult.seeding import load_seeds

    steps = ["charter", "organisations", "users", "rounds", "amendments", "supports", "comments"]
    with click.progressbar(length=len(steps), label="Loading the demo consultation") as bar:
        created = load_seeds(_seeds_dir(), progress=lambda _step: bar.update(1))
    db.session.commit()
    return created


def _print_demo_accounts() -> None:
    from consult.seeding import DEMO_PASSWORD, demo_accounts

    click.echo("\nDemo accounts (password: %s):" % DEMO_PASSWORD)
    for account in demo_accounts(_seeds_dir()):
        click.echo(f"  {account['email']:<28} {account['demo_account']}")
    click.echo()


@click.command("seed")
@with_appcontext
def seed_command() -> None:
    """Load the demo consultation (safe to run again: nothing is duplicated)."""
    created = _load_seeds_with_progress()
    click.echo("Created: " + ", ".join(f"{n} {what}" for what, n in created.items()))


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Prepare the database and exit.")
@with_appcontext
def demo_command(host: str, port: int, no_serve: bool) -> None:
    """Create or upgrade the database, load the demo on first start, and serve."""
    Path(current_app.instance_path).mkdir(parents=True, exist_ok=True)
    catalogs.compile_all()
    upgrade(directory=current_app.extensions["migrate"].directory)
    if db.session.scalar(sa.select(sa.func.count()).select_from(Charter)) == 0:
        _load_seeds_with_progress()
    _print_demo_accounts()
    if not no_serve:
        click.echo(f"Serving the demo consultation on http://{host}:{port}/  (Ctrl+C stops it)")
        # app.run() refuses to block inside a flask command; serve with Werkzeug directly.
        run_simple(host, port, current_app._get_current_object(), threaded=True)


@click.group()
def translate() -> None:
    """Interface translations: extract, update, compile."""


@translate.command()
@with_appcontext
def extract() -> None:
    """Write translations/messages.pot from the code and templates."""
    catalogs.write_template()
    click.echo(f"Wrote {catalogs.POT_FILE}")


@translate.command()
def update() -> None:
    """Extract, then merge new messages into the fr and es catalogs."""
    catalogs.write_template()
    catalogs.update()
    click.echo("Updated: " + ", ".join(catalogs.TARGET_LOCALES))


@translate.command("compile")
def compile_() -> None:
    """Compile the catalogs into the .mo files the app reads."""
    written = catalogs.compile_all(force=True)
    click.echo("Compiled: " + ", ".join(written))


@click.group("report")
def report() -> None:
    """The consultation's contributions, for the secretariat."""


@report.command("export")
@click.option("--round", "round_id", type=int, required=True, help="The round's number (see /rounds/).")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True)
@with_appcontext
def report_export(round_id: int, fmt: str, output: str) -> None:
    """Write a round's public contributions as CSV or JSON, streamed, with a progress bar."""
    from consult.documents import contributions
    from consult.models import Amendment, Comment, Round, Visibility

    round_ = db.session.get(Round, round_id)
    if round_ is None:
        raise click.UsageError(f"there is no round {round_id}")
    total = sum(
        db.session.scalar(sa.select(sa.func.count()).select_from(model).where(
            model.round_id == round_.id, model.visibility == Visibility.visible))
        for model in (Amendment, Comment)
    )
    render, _mimetype = contributions.RENDERERS[fmt]
    with click.progressbar(length=total, label=f"Exporting {round_.slug}") as bar, \
            open(output, "w", encoding="utf-8", newline="") as out:
        def counted():
            for record in contributions.rows(round_):
                bar.update(1)
                yield record
        for chunk in render(counted()):
            out.write(chunk)
    click.echo(f"Wrote {total} contributions to {output}")
