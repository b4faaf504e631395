import json

from django.core.management.base import BaseCommand

from qualification.selectors import plan_dump


class Command(BaseCommand):
    help = "Print the stored compensation plan as a plan file (JSON, see data-exchange.md)."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="write to this file instead of standard output")

    def handle(self, *args, output=None, **options):
        text = json.dumps(plan_dump(), indent=2, ensure_ascii=False) + "\n"
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
        else:
            self.stdout.write(text, ending="")
