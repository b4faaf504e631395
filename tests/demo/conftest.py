import pytest


@pytest.fixture(autouse=True)
def english_command_output(settings):
    # The command prints in the default language (German); the tests assert the English source.
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    # The demo draws its product photos into MEDIA_ROOT.
    settings.MEDIA_ROOT = tmp_path / "media"
