"""The shape of the period exports (export_qualification, export_commissions):
`--period YYYY-MM [--output FILE]`, formula-safe CSV (partners.csvio.CsvWriter) to
the file or to standard output, a clear error for a bad or unknown period."""

from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from partners.csvio import CsvWriter
from qualification.models import Period
from qualification.periods import period_parse


class PeriodExportCommand(BaseCommand):
    def rows(self, period: Period) -> Iterator[list[str]]:
        """The header, then the data rows."""
        raise NotImplementedError

    def check_period(self, period: Period, label: str) -> None:
        """Raise CommandError when this export cannot be made for the period."""

    def written_message(self, count: int, output: str) -> str:
        raise NotImplementedError

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
        self.check_period(found, period)
        rows = self.rows(found)
        if output:
            with open(output, "w", encoding="utf-8", newline="") as fh:
                count = self._write(fh, rows)
            self.stderr.write(self.written_message(count, output))
        else:
            try:
                self._write(_RawStdout(self.stdout), rows)
            except BrokenPipeError:  # `... | head`: the reader has seen enough
                rows.close()

    @staticmethod
    def _write(fh, rows) -> int:
        writer = CsvWriter(fh)
        count = -1
        for count, row in enumerate(rows):  # noqa: B007
            writer.writerow(row)
        return max(count, 0)


class _RawStdout:
    """The command's stdout without its added line ending (CSV rows end in "\\n")."""

    def __init__(self, out):
        self.out = out

    def write(self, text: str) -> None:
        self.out.write(text, ending="")
