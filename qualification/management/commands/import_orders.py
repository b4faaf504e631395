"""manage.py import_orders FILE -- see data-exchange.md, "Orders"."""

from django.utils.translation import gettext as _

from partners.csvio import CsvImportCommand
from qualification.dataexchange import orders_import


class Command(CsvImportCommand):
    help = (
        "Import paid (and refunded) orders from a CSV file (columns external_id, customer_email, "
        "partner_external_id, paid_at, currency, total, qv, refunded_at; UTF-8, header row, any "
        "column order; date-times need a UTC offset). Import the partners first. All or nothing: "
        "if any row is bad, nothing is written and every bad row is listed by line and column. "
        "Each order books its volume (and a refund its reversal) like a live order, into the "
        "month of paid_at in company time; orders of a closed period are refused. The touched "
        "periods are recomputed once at the end. Re-importing: orders whose external_id exists "
        "already are left alone when their data is the same (refunded_at is compared only when "
        "given); different data is an error -- an import never changes an existing order."
    )

    def run_import(self, *, path, progress):
        return orders_import(path=path, progress=progress)

    def success_message(self, result, *, seconds):
        return _(
            "Imported %(created)d order(s); %(unchanged)d already imported and unchanged; "
            "periods recomputed: %(periods)s (%(seconds).1f s)."
        ) % {
            "created": result.created,
            "unchanged": result.unchanged,
            "periods": ", ".join(result.periods) or "-",
            "seconds": seconds,
        }
