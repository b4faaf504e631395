from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from payouts.selectors import bank_transactions_open
from payouts.services import bank_statement_import


class Command(BaseCommand):
    help = (
        "Import a bank statement (CAMT.053 XML or MT940): pay pending prepayment orders, "
        "match payout runs, list the rest."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the statement file (.xml or .sta/.mt940)")

    def handle(self, *args, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("There is no file %(file)s.") % {"file": file})
        try:
            result = bank_statement_import(data=path.read_bytes(), file_name=path.name)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if not result.created:
            self.stdout.write(
                _("This statement was imported before (%(date)s); nothing changed.")
                % {"date": result.statement.imported_at.strftime("%d.%m.%Y %H:%M")}
            )
            return
        self.stdout.write(
            _("%(new)d new lines, %(known)d already imported.")
            % {"new": result.statement.lines_new, "known": result.skipped}
        )
        for row in result.statement.transactions.all():
            self.stdout.write(
                f"  {row.booking_date:%d.%m.%Y} {row.amount:>12} {row.get_status_display()}"
                f"  {row.reference[:60]}"
            )
        open_rows = bank_transactions_open().count()
        if open_rows:
            self.stdout.write(
                self.style.WARNING(
                    _("%(count)d bank lines wait for an admin to resolve them.")
                    % {"count": open_rows}
                )
            )
