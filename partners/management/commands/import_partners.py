"""manage.py import_partners FILE -- see data-exchange.md, "Partners"."""

from django.utils.translation import gettext as _

from partners.csvio import CsvImportCommand
from partners.imports import partners_import


class Command(CsvImportCommand):
    help = (
        "Import partners from a CSV file (columns external_id, email, first_name, last_name, "
        "slug, sponsor_external_id, joined_at, status; UTF-8, header row, any column order). "
        "All or nothing: if any row is bad, nothing is written and every bad row is listed by "
        "line and column. A sponsor may come further down the file. Empty slugs are made from "
        "the name. Imported partners get no password; they claim their account with "
        "'forgot password'. Re-importing: rows whose external_id exists already are left alone "
        "when their data is the same (empty optional values are not compared); different data "
        "is an error -- an import never changes an existing partner (use the admin, which logs "
        "moves and status changes)."
    )

    def run_import(self, *, path, progress):
        return partners_import(path=path, progress=progress)

    def success_message(self, result, *, seconds):
        return _(
            "Imported %(created)d partner(s); %(unchanged)d already imported and unchanged (%(seconds).1f s)."
        ) % {"created": result.created, "unchanged": result.unchanged, "seconds": seconds}
