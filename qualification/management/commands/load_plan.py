import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from qualification.services import plan_load


class Command(BaseCommand):
    help = "Load a compensation plan file (JSON, see data-exchange.md): the stored ranks become equal to the file."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the plan file, or - for standard input")

    def handle(self, *args, file, **options):
        try:
            if file == "-":
                import sys

                data = json.load(sys.stdin)
            else:
                with open(file, encoding="utf-8") as handle:
                    data = json.load(handle)
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s.") % {"file": file, "error": exc.strerror}
            ) from exc
        except json.JSONDecodeError as exc:
            raise CommandError(
                _("%(file)s is not valid JSON: %(error)s (line %(line)s, column %(column)s).")
                % {"file": file, "error": exc.msg, "line": exc.lineno, "column": exc.colno}
            ) from exc
        try:
            counts = plan_load(data=data)
        except ValidationError as exc:
            raise CommandError(
                _("The plan was not loaded; nothing changed:")
                + "\n"
                + "\n".join(f"  - {m}" for m in exc.messages)
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Plan loaded: %(added)s added, %(updated)s updated, %(removed)s removed. "
                    "Open periods are being recomputed."
                )
                % counts
            )
        )
