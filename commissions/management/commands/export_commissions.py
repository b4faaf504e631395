"""manage.py export_commissions --period YYYY-MM [--output FILE] -- commissions.md section 8."""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from commissions.selectors import statement_export_rows
from qualification.management.period_export import PeriodExportCommand


class Command(PeriodExportCommand):
    help = (
        "Write the statements of a closed period as CSV, one row per partner with a statement, sorted by "
        "slug: external_id,slug,customer_commission,team_commission,advancement_bonus,total,carried_in,"
        "payout,carried_out (two decimals)."
    )

    def check_period(self, period, label):
        if period.is_open:
            raise CommandError(
                _("Period %(period)s is still open; its statements exist once it is closed.")
                % {"period": label}
            )

    def rows(self, period):
        return statement_export_rows(period=period)

    def written_message(self, count, output):
        return _("%(n)d statement(s) written to %(file)s.") % {"n": count, "file": output}
