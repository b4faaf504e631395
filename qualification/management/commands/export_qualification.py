"""manage.py export_qualification --period YYYY-MM [--output FILE] -- data-exchange.md, "Results"."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from partners.csvio import CsvWriter
from qualification.dataexchange import qualification_export_rows
from qualification.models import Period
from qualification.periods import period_parse


class Command(BaseCommand):
    help = (
        "Write the results of a period as CSV, one row per partner sorted by slug: "
        "external_id,slug,pv,customer_pv,own_pv,gv,paid_as_rank,title_rank. Decimals with two "
        "places; empty for no rank or no external id; partners without results show zeros. "
        "title_rank is the highest paid-as rank of the closed periods up to this one."
    )

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="the month, YYYY-MM")
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args, period, output=None, **options):
        try:
            start = period_parse(period)
        except ValidationError as exc:
            raise CommandError(exc.messages[0]) from exc
        found = Period.objects.filter(start=start).first()
        if found is None:
            raise CommandError(_("There is no period %(period)s yet.") % {"period": period})
        rows = qualification_export_rows(period=found)
        if output:
            with open(output, "w", encoding="utf-8", newline="") as fh:
                count = self._write(fh, rows)
            self.stderr.write(_("%(n)d partner(s) written to %(file)s.") % {"n": count, "file": output})
        else:
            try:
                self._write(self.stdout._out, rows)  # the raw stream: rows end in "\n" already
            except BrokenPipeError:  # `... | head`: the reader has seen enough
                rows.close()

    @staticmethod
    def _write(fh, rows) -> int:
        writer = CsvWriter(fh)
        count = -1
        for count, row in enumerate(rows):  # noqa: B007
            writer.writerow(row)
        return max(count, 0)
