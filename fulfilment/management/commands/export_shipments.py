"""manage.py export_shipments [--format csv|json] [--output FILE] -- see docs/file-formats.md."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from fulfilment.exchange import shipments_export_csv, shipments_export_json


class Command(BaseCommand):
    help = (
        "Write the orders ready to ship (paid, with goods not yet in a parcel) for the "
        "warehouse: CSV with one row per line to ship (default) or JSON with one object per "
        "order. The item column is what import_tracking takes back."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["csv", "json"], default="csv")
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args, format="csv", output=None, **options):
        write = shipments_export_json if format == "json" else shipments_export_csv
        if output:
            with open(output, "w", encoding="utf-8", newline="") as fh:
                count = write(fh)
        else:
            self.stdout.ending = ""  # the writers end their own lines
            count = write(self.stdout)
        self.stderr.write(_("%(n)d order(s) ready to ship exported.") % {"n": count})
