from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from qualification.selectors import period_by_label
from qualification.services import period_close


class Command(BaseCommand):
    help = "Close a period: final recompute, freeze its results, raise title ranks."

    def add_arguments(self, parser):
        parser.add_argument("period", help="the period as YYYY-MM, e.g. 2026-10")

    def handle(self, *args, period, **options):
        try:
            found = period_by_label(period)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if found is None:
            raise CommandError(
                _("There is no period %(period)s (no volume was ever booked in it).")
                % {"period": period}
            )
        try:
            period_close(period=found)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("Period %(label)s is closed; title ranks were raised.") % {"label": found.label}
            )
        )
