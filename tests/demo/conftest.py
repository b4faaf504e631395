import pytest


@pytest.fixture(autouse=True)
def english_command_output(settings):
    # The command prints in the default language (German); the tests assert the English source.
    settings.LANGUAGE_CODE = "en"
