"""Settings per environment, read from the process environment (stdlib only).

`load_config()` picks the class named by ``GONGDAN_CONFIG`` (development, testing,
production; default development) and validates it before the app starts.
"""
from __future__ import annotations

import os
import tempfile
from datetime import timedelta
from pathlib import Path

DEFAULT_SECRET_KEY = "gongdan-development-secret-key-change-me"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
FILE_STORES = ("local", "s3")
CUSTOMER_MESSAGE_MODES = ("log", "smtp")


class ConfigError(RuntimeError):
    """A setting is missing or unsafe; the app must not start."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


class BaseConfig:
    NAME = "base"
    DEBUG = False
    TESTING = False

    SECRET_KEY = _env("SECRET_KEY", DEFAULT_SECRET_KEY)
    JWT_SECRET_KEY = _env("JWT_SECRET_KEY") or SECRET_KEY
    JWT_ACCESS_TOKEN_EXPIRES = timedelta(minutes=int(_env("JWT_ACCESS_MINUTES", "30")))
    JWT_REFRESH_TOKEN_EXPIRES = timedelta(days=int(_env("JWT_REFRESH_DAYS", "30")))
    # API clients send `Authorization: Bearer`; the consoles keep the same tokens in
    # HttpOnly cookies (the refresh cookie only reaches /console/session/), and every
    # change made with a cookie must echo the CSRF cookie (header or form field).
    JWT_TOKEN_LOCATION = ["headers", "cookies"]
    JWT_COOKIE_SECURE = _env("COOKIE_SECURE", "0") == "1"
    JWT_COOKIE_SAMESITE = "Lax"
    JWT_COOKIE_CSRF_PROTECT = True
    JWT_CSRF_CHECK_FORM = True
    JWT_ACCESS_COOKIE_PATH = "/"
    JWT_REFRESH_COOKIE_PATH = "/console/session/"
    JWT_ACCESS_CSRF_COOKIE_PATH = "/"
    JWT_REFRESH_CSRF_COOKIE_PATH = "/console/session/"

    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL")
    SQLALCHEMY_ECHO = False
    REDIS_URL = _env("REDIS_URL", "redis://127.0.0.1:6379/0")
    RQ_QUEUE = _env("RQ_QUEUE", "gongdan")

    # Login throttling (flask-limiter, stored in Redis so every gunicorn worker shares it).
    LOGIN_RATE_LIMIT = _env("LOGIN_RATE_LIMIT", "10 per minute")
    RATELIMIT_KEY_PREFIX = _env("RATELIMIT_KEY_PREFIX", "gongdan")

    ORG_TIMEZONE = _env("ORG_TIMEZONE", "Asia/Shanghai")
    # Push to phones: a Firebase service-account JSON file; unset, pushes are only logged.
    FCM_CREDENTIALS_FILE = _env("FCM_CREDENTIALS_FILE")
    # Where pushes are sent: unset, Google's FCM HTTP v1 endpoint. Set it only for a
    # private gateway that speaks that API, or a test fake (bench/fake_fcm.py);
    # "{project_id}" in it becomes the service account's project.
    FCM_SEND_URL = _env("FCM_SEND_URL")
    # Dispatch: the travel model handed to the solver, the default lunch break, how long
    # a reported position counts as "where the engineer is now", and the time budget.
    DISPATCH_SPEED_KMH = float(_env("DISPATCH_SPEED_KMH", "30"))
    DISPATCH_ROAD_FACTOR = float(_env("DISPATCH_ROAD_FACTOR", "1.3"))
    DISPATCH_OSRM_URL = _env("DISPATCH_OSRM_URL")
    DISPATCH_LUNCH_WINDOW = (_env("DISPATCH_LUNCH_FROM", "11:30"), _env("DISPATCH_LUNCH_TO", "13:30"))
    DISPATCH_LUNCH_MINUTES = int(_env("DISPATCH_LUNCH_MINUTES", "30"))
    DISPATCH_POSITION_FRESH_MINUTES = int(_env("DISPATCH_POSITION_FRESH_MINUTES", "30"))
    DISPATCH_DEFAULT_TIME_LIMIT_S = int(_env("DISPATCH_DEFAULT_TIME_LIMIT_S", "30"))
    DISPATCH_RETURN_TO_BASE = _env("DISPATCH_RETURN_TO_BASE", "1") == "1"
    # Expenses: what a kilometre of travel is reimbursed at, in fen (CNY cents), when the
    # engineer does not enter an amount.
    MILEAGE_RATE_CENTS_PER_KM = int(_env("MILEAGE_RATE_CENTS_PER_KM", "150"))
    # Links sent to customers (rating, "where is my technician"): the address the app is
    # reached at from outside, how messages leave (CUSTOMER_MESSAGES "log" writes them to
    # the log, "smtp" mails them; texts are always logged: no SMS gateway is wired in),
    # the days an order waits for feedback before it closes by itself, and the tracking
    # page's limits.
    PUBLIC_BASE_URL = _env("PUBLIC_BASE_URL", f"http://127.0.0.1:{_env('PORT', '5000')}")
    CUSTOMER_MESSAGES = _env("CUSTOMER_MESSAGES", "log")
    SMTP_HOST = _env("SMTP_HOST", "127.0.0.1")
    SMTP_PORT = int(_env("SMTP_PORT", "25"))
    SMTP_FROM = _env("SMTP_FROM", "service@gongdan.example")
    SMTP_USERNAME = _env("SMTP_USERNAME")
    SMTP_PASSWORD = _env("SMTP_PASSWORD")
    SMTP_STARTTLS = _env("SMTP_STARTTLS", "0") == "1"
    FEEDBACK_AUTO_CLOSE_DAYS = int(_env("FEEDBACK_AUTO_CLOSE_DAYS", "7"))
    TRACKING_LINK_HOURS = int(_env("TRACKING_LINK_HOURS", "12"))
    TRACKING_POSITION_FRESH_MINUTES = int(_env("TRACKING_POSITION_FRESH_MINUTES", "10"))
    TRACKING_POSITION_CELL_M = int(_env("TRACKING_POSITION_CELL_M", "500"))
    MAP_TILE_URL = _env("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")

    # Uploaded files (photos, signatures, receipts): FILE_STORE "local" keeps them under
    # UPLOAD_DIR; "s3" in S3_BUCKET of any S3-compatible service (S3_ENDPOINT_URL for
    # MinIO, Ceph, OSS…; unset for AWS). S3 credentials: S3_ACCESS_KEY_ID and
    # S3_SECRET_ACCESS_KEY, or when unset boto3's own chain (AWS_* variables, profiles, roles).
    FILE_STORE = _env("FILE_STORE", "local")
    UPLOAD_DIR = _env("UPLOAD_DIR", str(PROJECT_ROOT / "var" / "uploads"))
    S3_ENDPOINT_URL = _env("S3_ENDPOINT_URL")
    S3_BUCKET = _env("S3_BUCKET")
    S3_REGION = _env("S3_REGION", "us-east-1")
    S3_ACCESS_KEY_ID = _env("S3_ACCESS_KEY_ID")
    S3_SECRET_ACCESS_KEY = _env("S3_SECRET_ACCESS_KEY")
    # "auto", "path" (bucket in the URL path: MinIO and most self-hosted services) or
    # "virtual" (bucket in the host name: Alibaba OSS, Tencent COS).
    S3_ADDRESSING_STYLE = _env("S3_ADDRESSING_STYLE", "auto")
    # The largest file accepted, counted while it is read.
    UPLOAD_MAX_BYTES = int(_env("UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
    # Flask answers 413 to any body above this before reading it: the file limit plus
    # room for the form's other fields and the multipart framing.
    MAX_CONTENT_LENGTH = UPLOAD_MAX_BYTES + 256 * 1024

    # flask-smorest: back-office API
    API_TITLE = "Gongdan back-office API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    # Swagger UI comes from node_modules (installed by the Makefile from the npm registry)
    # and is served by the app itself; set SWAGGER_UI_URL to use a CDN instead.
    OPENAPI_SWAGGER_UI_URL = _env("SWAGGER_UI_URL", "/vendor/swagger-ui-dist/")
    VENDOR_DIR = _env("VENDOR_DIR", str(PROJECT_ROOT / "node_modules"))
    # flask-smorest: engineers' mobile API (its own document)
    MOBILE_API_TITLE = "Gongdan mobile API"
    MOBILE_API_VERSION = "v1"
    MOBILE_OPENAPI_VERSION = "3.0.3"
    MOBILE_OPENAPI_URL_PREFIX = "/mobile"
    MOBILE_OPENAPI_JSON_PATH = "openapi.json"

    API_SPEC_OPTIONS = {
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
        "security": [{"bearerAuth": []}],
    }
    MOBILE_API_SPEC_OPTIONS = API_SPEC_OPTIONS

    def validate(self) -> None:
        if not self.SQLALCHEMY_DATABASE_URI:
            raise ConfigError("DATABASE_URL is not set")
        if self.FILE_STORE not in FILE_STORES:
            raise ConfigError(f"FILE_STORE must be one of {FILE_STORES}, not {self.FILE_STORE!r}")
        if self.FILE_STORE == "s3" and not self.S3_BUCKET:
            raise ConfigError("FILE_STORE=s3 needs S3_BUCKET")
        if self.S3_ADDRESSING_STYLE not in ("auto", "path", "virtual"):
            raise ConfigError("S3_ADDRESSING_STYLE must be auto, path or virtual")
        if self.UPLOAD_MAX_BYTES < 1:
            raise ConfigError("UPLOAD_MAX_BYTES must be positive")
        if self.CUSTOMER_MESSAGES not in CUSTOMER_MESSAGE_MODES:
            raise ConfigError(f"CUSTOMER_MESSAGES must be one of {CUSTOMER_MESSAGE_MODES}, not {self.CUSTOMER_MESSAGES!r}")
        if self.FEEDBACK_AUTO_CLOSE_DAYS < 1 or self.TRACKING_LINK_HOURS < 1:
            raise ConfigError("FEEDBACK_AUTO_CLOSE_DAYS and TRACKING_LINK_HOURS must be at least 1")
        if self.TRACKING_POSITION_CELL_M < 100:
            raise ConfigError("TRACKING_POSITION_CELL_M must be at least 100 (positions are shown coarsened)")
        if self.MILEAGE_RATE_CENTS_PER_KM < 0:
            raise ConfigError("MILEAGE_RATE_CENTS_PER_KM must not be negative")


class DevelopmentConfig(BaseConfig):
    NAME = "development"
    DEBUG = True


class TestingConfig(BaseConfig):
    NAME = "testing"
    TESTING = True
    LOGIN_RATE_LIMIT = "5 per minute"
    RATELIMIT_KEY_PREFIX = f"gongdan-test-{os.getpid()}"
    # argon2 at full strength makes a test suite slow without testing anything more.
    PASSWORD_HASH_FAST = True
    # Never the project's var/uploads: tests that store files swap in a store of their own
    # (tests/conftest.py `file_store`); anything else lands in this throw-away directory.
    UPLOAD_DIR = _env("UPLOAD_DIR", str(Path(tempfile.gettempdir()) / f"gongdan-test-uploads-{os.getpid()}"))


class ProductionConfig(BaseConfig):
    NAME = "production"
    # Console cookies only over HTTPS, unless the operator says otherwise.
    JWT_COOKIE_SECURE = _env("COOKIE_SECURE", "1") == "1"

    def validate(self) -> None:
        super().validate()
        if self.SECRET_KEY in (None, DEFAULT_SECRET_KEY) or len(self.SECRET_KEY) < 32:
            raise ConfigError("Production needs SECRET_KEY set to a random string of at least 32 characters")
        if self.JWT_SECRET_KEY == DEFAULT_SECRET_KEY:
            raise ConfigError("Production refuses the default JWT secret key")


CONFIGS = {c.NAME: c for c in (DevelopmentConfig, TestingConfig, ProductionConfig)}


def load_config(name: str | None = None) -> BaseConfig:
    """Instantiate and validate the settings for `name` (or ``GONGDAN_CONFIG``)."""
    name = name or _env("GONGDAN_CONFIG", "development")
    try:
        config = CONFIGS[name]()
    except KeyError:
        raise ConfigError(f"Unknown GONGDAN_CONFIG {name!r}; use one of {sorted(CONFIGS)}") from None
    config.validate()
    return config
