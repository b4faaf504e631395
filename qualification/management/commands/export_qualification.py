"""manage.py export_qualification --period YYYY-MM [--output FILE] -- data-exchange.md, "Results"."""

from django.utils.translation import gettext as _

from qualification.dataexchange import qualification_export_rows
from qualification.management.period_export import PeriodExportCommand


class Command(PeriodExportCommand):
    help = (
        "Write the results of a period as CSV, one row per partner sorted by slug: "
        "external_id,slug,pv,customer_pv,own_pv,gv,paid_as_rank,title_rank. Decimals with two "
        "places; empty for no rank or no external id; partners without results show zeros. "
        "title_rank is the highest paid-as rank of the closed periods up to this one."
    )

    def rows(self, period):
        return qualification_export_rows(period=period)

    def written_message(self, count, output):
        return _("%(n)d partner(s) written to %(file)s.") % {"n": count, "file": output}
