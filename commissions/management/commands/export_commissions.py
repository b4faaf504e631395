"""manage.py export_commissions --period YYYY-MM [--output FILE] -- commissions.md section 8."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from commissions.selectors import statement_export_rows
from partners.csvio import CsvWriter
from qualification.models import Period
from qualification.periods import period_parse


class Command(BaseCommand):
    help = (
        "Write the statements of a closed period as CSV, one row per partner with a statement, sorted by "
        "slug: external_id,slug,customer_commission,team_commission,advancement_bonus,total,carried_in,"
        "payout,carried_out (two decimals)."
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
        if found.is_open:
            raise CommandError(
                _("Period %(period)s is still open; its statements exist once it is closed.")
                % {"period": period}
            )
        rows = statement_export_rows(period=found)
        if output:
            with open(output, "w", encoding="utf-8", newline="") as fh:
                count = self._write(fh, rows)
            self.stderr.write(
                _("%(n)d statement(s) written to %(file)s.") % {"n": count, "file": output}
            )
        else:
            try:
                self._write(self.stdout._out, rows)
            except BrokenPipeError:
                rows.close()

    @staticmethod
    def _write(fh, rows) -> int:
        writer = CsvWriter(fh)
        count = -1
        for count, row in enumerate(rows):  # noqa: B007
            writer.writerow(row)
        return max(count, 0)
