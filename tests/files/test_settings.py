"""Which store the settings choose, and the settings that are refused at start-up."""
import pytest

from app.files.configured import store_from_settings
from app.files.local import LocalFileStore
from config import ConfigError, TestingConfig


def test_the_local_store_and_the_limits(tmp_path):
    settings = TestingConfig()
    # Flask's own body limit sits a little above the file limit, so a form with a file at
    # the limit passes Flask and the file check decides.
    assert 0 < settings.MAX_CONTENT_LENGTH - settings.UPLOAD_MAX_BYTES <= 1024 * 1024
    store = store_from_settings({"FILE_STORE": "local", "UPLOAD_DIR": str(tmp_path)})
    assert isinstance(store, LocalFileStore) and store.root == tmp_path


@pytest.mark.parametrize(("setting", "value", "message"), [
    ("FILE_STORE", "ftp", "FILE_STORE"), ("UPLOAD_MAX_BYTES", 0, "UPLOAD_MAX_BYTES"),
    ("S3_ADDRESSING_STYLE", "sideways", "S3_ADDRESSING_STYLE"),
])
def test_bad_settings_are_refused(setting, value, message):
    settings = TestingConfig()
    setattr(settings, setting, value)
    with pytest.raises(ConfigError, match=message):
        settings.validate()


def test_s3_needs_a_bucket():
    settings = TestingConfig()
    settings.FILE_STORE, settings.S3_BUCKET = "s3", None
    with pytest.raises(ConfigError, match="S3_BUCKET"):
        settings.validate()
    settings.S3_BUCKET = "gongdan-uploads"
    settings.validate()
