"""Flask commands: demo, seed, worker, mail, translate, charter import/export/redline, report export, backup,
restore."""

import json
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple
from flask_migrate import upgrade

from consult import catalogs
from consult.config import LOCALES
from consult.extensions import db
from consult.models import Charter


def register_commands(app: Flask) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(seed_command)
    app.cli.add_command(translate)
    app.cli.add_command(charter)
    app.cli.add_command(report)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(mail)
    app.cli.add_command(search)


def _seeds_dir() -> Path:
    return Path(current_app.config["SEEDS_DIR"])


def _load_seeds_with_progress() -> dict[str, int]:
    from consult.seeding import load_seeds

    steps = ["charter", "organisations", "users", "rounds", "amendments", "supports", "comments", "search"]
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
    elif db.session.scalar(sa.text("SELECT key FROM search_index LIMIT 1")) is None:
        _reindex()  # a database from before the search index
        db.session.commit()
    # End this command's transaction before serving: on SQLite an open one would hold the write
    # lock for as long as the server runs.
    db.session.remove()
    _print_demo_accounts()
    if not no_serve:
        from consult import jobs

        current_app.config["BASE_URL"] = current_app.config["BASE_URL"] or f"http://{host}:{port}"
        # The jobs' consumer runs in this process, so the one command sends the demo's mail too.
        consumer = None
        if not jobs.huey.immediate:
            from consult.mail import delivery

            delivery.sweep_at_start()
            consumer = jobs.run_consumer(workers=1, in_thread=True)
        click.echo(f"Serving the demo consultation on http://{host}:{port}/  (Ctrl+C stops it)")
        click.echo("Mail is written to " + str(Path(current_app.config["MAIL_OUTBOX_DIR"]
                                                    or Path(current_app.instance_path) / "outbox")))
        try:
            # app.run() refuses to block inside a flask command; serve with Werkzeug directly.
            run_simple(host, port, current_app._get_current_object(), threaded=True)
        finally:
            if consumer is not None:
                consumer.stop(graceful=True)


@click.command("worker")
@click.option("--workers", default=2, show_default=True, type=int, help="Jobs run at the same time (threads).")
@with_appcontext
def worker_command(workers: int) -> None:
    """Run the background jobs: mail delivery and the periodic sweeps. Start one or more beside the app."""
    from consult import jobs

    if jobs.huey.immediate:
        raise click.ClickException("JOBS_IMMEDIATE is set: jobs run in the app itself, there is nothing to consume.")
    from consult.mail import delivery

    db.session.remove()
    delivery.sweep_at_start()
    jobs.run_consumer(workers=workers)


@click.group()
def mail() -> None:
    """Mail: check the configured transport."""


@mail.command("test")
@click.option("--to", "address", required=True, help="The address to send the test message to.")
@with_appcontext
def mail_test(address: str) -> None:
    """Send a test message through the configured transport now, and say how it went."""
    from consult.mail import compose, delivery
    from flask_babel import lazy_gettext as _l

    current_app.config["BASE_URL"] = current_app.config["BASE_URL"] or "http://127.0.0.1:5000"
    message = compose.queue(address, "test", subject=_l("Test message from the charter consultation"))
    db.session.flush()
    try:
        delivery.transport().send(delivery.build_message(message))
    except Exception as error:  # the point of the command is to show the transport's own error
        db.session.rollback()
        raise click.ClickException(f"{type(error).__name__}: {error}") from error
    message.sent_at, message.attempts = message.created_at, 1
    db.session.commit()
    click.echo(f"Sent a test message to {address} through the {current_app.config['MAIL_TRANSPORT']} transport.")


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


@click.group("charter")
def charter() -> None:
    """Import drafts; export versions and redlines."""


@charter.command("import")
@click.option("--lang", "files", type=(click.Choice(LOCALES), click.Path(exists=True, dir_okay=False)), multiple=True,
              required=True, metavar="LANG FILE", help="A language and its file (.docx or Markdown); repeat per language.")
@click.option("--label", help="The new version's name (required unless --dry-run).")
@click.option("--based-on", "based_on", default="latest", show_default=True, metavar="ID|latest|none",
              help="The version the draft revises: its articles are matched with the draft's, so history and "
                   "redlines follow them. 'latest' is the charter's newest version.")
@click.option("--dry-run", is_flag=True, help="Print the detected structure and matching as JSON; save nothing.")
@with_appcontext
def charter_import(files: tuple[tuple[str, str], ...], label: str | None, based_on: str, dry_run: bool) -> None:
    """Read one file per language into a new draft version, aligned article by article and
    linked to the version it revises."""
    from consult.documents.uploads import MAX_UPLOAD_BYTES
    from consult.imports import services as imports

    if not dry_run and not label:
        raise click.UsageError("--label is required (or use --dry-run)")
    if len({locale for locale, _path in files}) != len(files):
        raise click.UsageError("each language may be given once")
    previous = _revised_version(based_on)
    read = {}
    with click.progressbar(files, label="Reading", file=sys.stderr) as bar:
        for locale, path in bar:
            with open(path, "rb") as file:  # no more than the limit: a larger file is refused anyway
                read[locale] = (Path(path).name, file.read(MAX_UPLOAD_BYTES + 1))
    preview, errors = imports.read_files(read, previous)
    if errors:
        raise click.ClickException("\n".join(f"{locale}: {message}" for locale, message in errors.items()))
    if dry_run:
        click.echo(json.dumps({
            "languages": {locale: document.outline() for locale, document in preview.documents.items()},
            "warnings": preview.warnings, "aligned": preview.can_save, "matching": preview.matching_outline(),
        }, ensure_ascii=False, indent=2))
        return
    for warning in preview.warnings:
        click.echo(f"warning: {warning}", err=True)
    if not preview.can_save:
        raise click.ClickException("the languages do not have the same sections and articles; nothing was saved")
    version = imports.create_draft(None, preview.documents, {locale: label for locale in preview.documents},
                                   previous, preview.continues)
    db.session.commit()
    articles = len(next(iter(preview.documents.values())).articles)
    click.echo(f"Created draft version {version.id} ({version.slug}) with {articles} articles in "
               f"{', '.join(sorted(preview.documents))}")
    if previous:
        click.echo(f"Based on version {previous.id}: {len(preview.continues)} articles continued, "
                   f"{articles - len(preview.continues)} new, {len(preview.removed)} removed")


def _revised_version(reference: str):
    """--based-on: a version id of the main charter, 'latest' (its newest, if any) or 'none'."""
    from consult.imports import services as imports

    if reference == "none":
        return None
    versions = imports.revisable_versions()
    if reference == "latest":
        return versions[0] if versions else None
    version = next((v for v in versions if str(v.id) == reference), None)
    if version is None:
        raise click.UsageError(f"there is no version {reference} of the charter (use an id, 'latest' or 'none')")
    return version


def _version(reference: str):
    from consult.charter.services import main_charter
    from consult.exports.services import latest_version
    from consult.models import Version

    if reference == "latest":
        charter_ = main_charter()
        version = latest_version(charter_) if charter_ else None
    else:
        version = db.session.get(Version, int(reference)) if reference.isdigit() else None
    if version is None:
        raise click.UsageError(f"there is no version {reference}")
    return version


def _write(export, output: str) -> None:
    Path(output).write_bytes(export.content)
    click.echo(f"Wrote {output} ({len(export.content):,} bytes)")


@charter.command("export")
@click.option("--version", "version_ref", required=True, help="A version number, or 'latest'.")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "docx", "pdf", "akn"]), required=True)
@click.option("--lang", type=click.Choice([*LOCALES, "all"]), default="en", show_default=True,
              help="One language, or all three side by side.")
@click.option("--provenance", is_flag=True, help="Note under each article the amendments it incorporated.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True)
@with_appcontext
def charter_export(version_ref: str, fmt: str, lang: str, provenance: bool, output: str) -> None:
    """Write a version of the charter as Markdown, HTML, Word, PDF or Akoma Ntoso XML."""
    from consult.exports import services as exports

    version = _version(version_ref)
    with click.progressbar(length=2, label=f"Exporting {version.slug}", file=sys.stderr) as bar:
        try:
            export = exports.render_charter(version, fmt=fmt, lang=lang, provenance=provenance, progress=bar.update)
        except exports.ExportError as error:
            raise click.UsageError(str(error)) from None
    _write(export, output)


@charter.command("redline")
@click.option("--from", "old_ref", required=True, help="The earlier version's number.")
@click.option("--to", "new_ref", required=True, help="The later version's number, or 'latest'.")
@click.option("--format", "fmt", type=click.Choice(["docx", "pdf"]), required=True)
@click.option("--lang", type=click.Choice(LOCALES), default="en", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True)
@with_appcontext
def charter_redline(old_ref: str, new_ref: str, fmt: str, lang: str, output: str) -> None:
    """Write what changed between two versions, article by article, as Word or PDF."""
    from consult.exports import services as exports

    try:
        export = exports.render_redline(_version(old_ref), _version(new_ref), fmt=fmt, lang=lang)
    except exports.ExportError as error:
        raise click.UsageError(str(error)) from None
    _write(export, output)


@click.group("report")
def report() -> None:
    """The consultation report and its contributions data."""


@report.command("export")
@click.option("--round", "round_id", type=int, help="The round's number (see /rounds/).")
@click.option("--version", "version_ref", help="A version number, or 'latest': all the rounds on it.")
@click.option("--format", "fmt", type=click.Choice(["pdf", "docx", "csv", "json"]), required=True,
              help="pdf/docx: the report; csv/json: the contributions data.")
@click.option("--lang", type=click.Choice(LOCALES), default="en", show_default=True, help="The report's language.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True)
@with_appcontext
def report_export(round_id: int | None, version_ref: str | None, fmt: str, lang: str, output: str) -> None:
    """Write the report of a round or a version, or their public contributions as CSV or JSON."""
    from consult.charter.services import rounds_of_version
    from consult.exports import services as exports
    from consult.models import Round

    if (round_id is None) == (version_ref is None):
        raise click.UsageError("give either --round or --version")
    round_ = version = None
    if round_id is not None:
        round_ = db.session.get(Round, round_id)
        if round_ is None:
            raise click.UsageError(f"there is no round {round_id}")
    else:
        version = _version(version_ref)
    if fmt in ("csv", "json"):
        _export_contributions([round_] if round_ else rounds_of_version(version), fmt, output)
        return
    with click.progressbar(length=1, label="Writing the report", file=sys.stderr) as bar:
        try:
            export = exports.render_report(fmt=fmt, lang=lang, round_=round_, version=version)
        except exports.ExportError as error:
            raise click.UsageError(str(error)) from None
        bar.update(1)
    _write(export, output)


def _export_contributions(rounds: list, fmt: str, output: str) -> None:
    """Streamed to the file, a row at a time, with a progress bar over every contribution."""
    from consult.documents import contributions
    from consult.exports.contributions import rows
    from consult.models import Amendment, Comment, Visibility

    ids = [r.id for r in rounds]
    total = sum(
        db.session.scalar(sa.select(sa.func.count()).select_from(model).where(
            model.round_id.in_(ids), model.visibility == Visibility.visible))
        for model in (Amendment, Comment)
    )
    render, _content_type = contributions.RENDERERS[fmt]
    with click.progressbar(length=total, label="Exporting contributions", file=sys.stderr) as bar, \
            open(output, "w", encoding="utf-8", newline="") as out:
        def counted():
            for round_id in ids:
                for record in rows(round_id):
                    bar.update(1)
                    yield record
        for chunk in render(counted()):
            out.write(chunk)
    click.echo(f"Wrote {total} contributions to {output}")


@click.command("backup")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(out: Path) -> None:
    """Copy the database to OUT while the platform runs: SQLite's online backup, checked (see the README)."""
    from consult import backup

    database = backup.sqlite_file(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if database is None:
        click.echo(backup.POSTGRES_RECIPE, err=True)
        sys.exit(1)
    try:
        backup.backup(database, out)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backed up {database} to {out}; the copy passes SQLite's integrity check.")


@click.command("restore")
@click.argument("backup_file", metavar="IN", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(backup_file: Path, yes: bool) -> None:
    """Replace the database by the backup IN, once IN passes SQLite's integrity check."""
    from consult import backup

    database = backup.sqlite_file(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if database is None:
        click.echo(backup.POSTGRES_RECIPE, err=True)
        sys.exit(1)
    try:
        backup.check(backup_file)
        if not yes:
            click.confirm(f"Replace everything in {database} by {backup_file}? What was written since is lost.",
                          abort=True)
        backup.restore(backup_file, database)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    db.engine.dispose()  # this process's connections read the restored file afresh
    click.echo(f"Restored {database} from {backup_file}. Run `flask --app wsgi db upgrade` if the backup is older "
               "than the code.")


@click.group("search")
def search() -> None:
    """The search index."""


def _reindex() -> int:
    from consult.search import services

    with click.progressbar(length=services.count_indexable(), label="Indexing for search") as bar:
        return services.reindex(progress=bar.update)


@search.command("reindex")
@with_appcontext
def search_reindex() -> None:
    """Rebuild the search index from what readers can see (after a restore or an upgrade)."""
    indexed = _reindex()
    db.session.commit()
    click.echo(f"Indexed {indexed} texts.")
