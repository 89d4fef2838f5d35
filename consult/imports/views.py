from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.documents.model import paragraph_count
from consult.documents.uploads import MAX_UPLOAD_BYTES
from consult.i18n import current_locale
from consult.imports import bp, forms, services
from consult.permissions import Action, requires
from consult.text.markdown import render_markdown


@bp.route("/new", methods=["GET", "POST"])
@requires(Action.manage_versions)
def new():
    """Upload one file per language; what was understood is shown before anything is saved."""
    # Room for three files a little over the limit, so that they get the form's own error (with
    # what was typed kept) rather than a bare "too large" page.
    request.max_content_length = services.MAX_IMPORT_REQUEST
    versions = {str(version.id): version for version in services.revisable_versions()}
    choices = [(key, _version_choice(version)) for key, version in versions.items()] + [
        (forms.NO_EARLIER_VERSION, _("None: this is a first version"))]
    form = forms.ImportForm(based_on=choices[0][0])  # the newest version, unless another is chosen
    form.based_on.choices = choices
    if form.validate_on_submit():
        files = {}
        for locale in services.LOCALES:
            upload = getattr(form, f"file_{locale}")
            if upload.data and upload.data.filename:
                files[locale] = (upload.data.filename, upload.data.read(MAX_UPLOAD_BYTES + 1))
        preview, errors = services.read_files(files, versions.get(form.based_on.data))
        for locale, message in errors.items():
            getattr(form, f"file_{locale}").errors = [message]
        if preview:
            labels = {loc: (getattr(form, f"label_{loc}").data or "").strip() for loc in services.LOCALES}
            return _show_preview(preview, labels)
    status = 400 if form.is_submitted() else 200
    return render_template("imports/new.html", form=form, limit_mb=MAX_UPLOAD_BYTES // (1024 * 1024)), status


def _version_choice(version) -> str:
    return f"{version.label(current_locale())} ({version.state.label})"


def _show_preview(preview: services.Preview, labels: dict[str, str], status: int = 200):
    token = services.keep_for_confirmation(current_user, preview, labels)
    return render_template("imports/preview.html", preview=preview, labels=labels,
                           confirm_form=forms.ConfirmImportForm(token=token), markdown=render_markdown,
                           paragraphs=paragraph_count), status


@bp.route("/confirm", methods=["POST"])
@requires(Action.manage_versions)
def confirm():
    form = forms.ConfirmImportForm()
    pending = services.claim(current_user, form.token.data) if form.validate_on_submit() else None
    if pending is None:
        flash(_("This preview has expired or was already saved. Please upload the files again."), "error")
        return redirect(url_for("imports.new"))
    preview = services.preview_of(pending.documents, pending.previous, continues={})
    preview.continues = services.chosen_continuations(preview, request.form)
    if not preview.can_save:
        flash(_("The languages do not have the same sections and articles; correct the files and upload them again."),
              "error")
        return redirect(url_for("imports.new"))
    if problem := preview.matching_problem:
        flash(problem, "error")
        return _show_preview(preview, pending.labels, status=400)
    version = services.create_draft(current_user, pending.documents, pending.labels, pending.previous,
                                    preview.continues)
    flash(_("The draft “%(label)s” was created. It is visible to moderators and the secretariat until it is put "
            "to consultation.", label=version.label(current_locale())), "success")
    return redirect(url_for("charter.version_contents", version_id=version.id))
