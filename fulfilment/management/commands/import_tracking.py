"""manage.py import_tracking FILE -- see docs/file-formats.md, "Shipments"."""

from django.utils.translation import gettext as _

from fulfilment.exchange import tracking_import_file
from partners.csvio import CsvImportCommand


class Command(CsvImportCommand):
    help = (
        "Import the warehouse's parcels from a CSV file (columns order_number, carrier, "
        "tracking_number, lines, shipped_on, delivered_on; UTF-8, header row, any column "
        "order). lines: item:quantity separated by ';' (the item is the SKU, or #<line id> as "
        "in export_shipments); empty ships everything still open. All or nothing: if any row "
        "is bad, nothing is written and every bad row is listed by line and column. A parcel "
        "imported before (same carrier and tracking number, same lines) is left alone; its "
        "delivery date may be added. An order whose goods are all in parcels becomes shipped; "
        "the customer gets one e-mail per parcel with the tracking link."
    )

    def run_import(self, *, path, progress):
        return tracking_import_file(path=path, progress=progress)

    def success_message(self, result, *, seconds):
        return _(
            "Imported %(created)d parcel(s), %(shipped)d order(s) now shipped; %(delivered)d "
            "delivery date(s) added; %(unchanged)d already imported and unchanged (%(seconds).1f s)."
        ) % {
            "created": result.created,
            "shipped": result.orders_shipped,
            "delivered": result.delivered,
            "unchanged": result.unchanged,
            "seconds": seconds,
        }
