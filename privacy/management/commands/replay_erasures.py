from django.core.management.base import BaseCommand

from privacy.services import erasures_replay


class Command(BaseCommand):
    help = "Re-apply every logged erasure (after restoring a backup). Safe to run twice."

    def handle(self, *args, **options):
        count = erasures_replay()
        self.stdout.write(f"{count} erasure(s) re-applied.")
