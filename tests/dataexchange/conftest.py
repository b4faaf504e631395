import csv
import io

import pytest
from django.core.management import CommandError, call_command


@pytest.fixture
def csv_file(tmp_path):
    """csv_file(header, rows, name=...) -> path of a UTF-8 CSV file."""
    counter = iter(range(1000))

    def make(header, rows, name=None, *, bom=False):
        path = tmp_path / (name or f"file{next(counter)}.csv")
        with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            for row in rows:
                writer.writerow(
                    [row.get(col, "") for col in header] if isinstance(row, dict) else row
                )
        return path

    return make


@pytest.fixture
def run():
    """run(command, *args) -> stdout; run.refused(command, *args) -> the error text."""

    class Runner:
        def __call__(self, command, *args, **kwargs):
            out = io.StringIO()
            if command.startswith("import_"):
                args = (*args, "--no-progress")
            call_command(command, *args, stdout=out, stderr=io.StringIO(), **kwargs)
            return out.getvalue()

        def refused(self, command, *args):
            with pytest.raises(CommandError) as info:
                self(command, *args)
            return str(info.value)

    return Runner()


@pytest.fixture(autouse=True)
def english_command_output(settings):
    # Management commands run in the default language, German since the compiled
    # catalogues exist; these tests assert the English source strings.
    settings.LANGUAGE_CODE = "en"
