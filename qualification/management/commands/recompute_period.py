from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from qualification.selectors import period_by_label
from qualification.services import period_recompute


class Command(BaseCommand):
    help = "Recompute an open period's results from the volume ledger (one bottom-up pass)."

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
        bar = tqdm(
            total=1,
            unit="",
            bar_format="{desc}: {percentage:3.0f}% |{bar}| {elapsed}",
            desc=_("Recomputing %(label)s") % {"label": found.label},
            file=self.stderr._out,
            leave=True,
        )

        def progress(done, total):
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            rows = period_recompute(period=found, progress=progress)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        finally:
            bar.close()
        self.stdout.write(
            self.style.SUCCESS(
                _("Period %(label)s recomputed: %(rows)s partners with volume in their team.")
                % {"label": found.label, "rows": rows}
            )
        )
