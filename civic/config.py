"""Configuration defaults, environment overrides and the test configuration."""

from __future__ import annotations

import os
import secrets
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ENVIRONMENTS = ("development", "production")


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Make a DATABASE_URL usable by SQLAlchemy with psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def load_or_create_secret_key(instance_path: str) -> str:
    """Read the instance secret key, generating it on first run (never committed)."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Create with owner-only permissions: the key signs sessions and e-mail tokens.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


class Config:
    """Defaults for every environment; instance/config.py and the environment override them."""

    SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {"pool_pre_ping": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLITE_BUSY_TIMEOUT_MS = 5000

    # Babel: French first, English complete.
    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    LANGUAGES = ("fr", "en")

    # Cookies: Secure unless explicitly disabled for plain-http local development (make run does).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("CIVIC_COOKIE_SECURE", True)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _env_bool("CIVIC_COOKIE_SECURE", True)
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 12

    WTF_CSRF_TIME_LIMIT = 60 * 60 * 8

    # Argon2id: t=2, m=19 MiB, p=1 (OWASP's baseline) costs about 25 ms per hash on the
    # reference machine (bench/argon2_cost.py measures it); rehash on login when these change.
    ARGON2_TIME_COST = 2
    ARGON2_MEMORY_COST = 19456
    ARGON2_PARALLELISM = 1
    PASSWORD_MIN_LENGTH = 12

    # Mail: "capture" writes to instance/outbox/ and keeps messages in memory; "smtp" sends.
    MAIL_BACKEND = os.environ.get("CIVIC_MAIL_BACKEND", "capture")
    MAIL_SENDER = os.environ.get("CIVIC_MAIL_SENDER", "Civic <no-reply@civic.example.org>")
    SMTP_HOST = os.environ.get("CIVIC_SMTP_HOST", "localhost")
    SMTP_PORT = int(os.environ.get("CIVIC_SMTP_PORT", "587"))
    SMTP_USERNAME = os.environ.get("CIVIC_SMTP_USERNAME")
    SMTP_PASSWORD = os.environ.get("CIVIC_SMTP_PASSWORD")
    SMTP_STARTTLS = _env_bool("CIVIC_SMTP_STARTTLS", True)

    # Rate limits (Flask-Limiter); memory storage is per process: use redis:// with several workers.
    RATELIMIT_STORAGE_URI = os.environ.get("CIVIC_RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    REGISTER_RATE_LIMIT = "10 per hour"
    RESET_RATE_LIMIT = "5 per 15 minutes"
    REPORT_RATE_LIMIT = "10 per hour;30 per day"  # per account
    # Writes a bot could repeat, counted per account (proposals/views.py).
    COMMENT_RATE_LIMIT = "5 per minute;60 per day"
    COMMENT_EDIT_RATE_LIMIT = "10 per minute"
    COAUTHOR_INVITE_RATE_LIMIT = "10 per hour"
    SUPPORT_RATE_LIMIT = "30 per minute;300 per day"  # supporting and withdrawing (preselection/views.py)
    COMMONS_RATE_LIMIT = "60 per minute;2000 per day"  # every write of the commons pages, per account
    ANALYSIS_REPLY_RATE_LIMIT = "10 per hour;30 per day"  # holders' answers to a draft verdict
    # Each tick of a ballot saves the draft (the htmx basket): generous, yet a bound on a bot.
    BALLOT_DRAFT_RATE_LIMIT = "120 per minute;3000 per day"  # per account (voting/views.py)
    # A kiosk's ticket typed (per address: one kiosk device) and the officers' in-person writes (per account).
    KIOSK_TICKET_RATE_LIMIT = "20 per minute;1000 per day"
    IN_PERSON_RATE_LIMIT = "600 per hour"
    TRACKER_CHECK_RATE_LIMIT = "30 per minute;300 per day"  # "check my ballot" (voting/views.py), per address
    MIXER_BATCH_SIZE = 20  # the mixer seals ballots in batches of at least this many (civic/voting/mixer.py)
    MIXER_MAX_BATCH = 250  # and, while the vote is open, of at most this many (each batch holds the write lock)
    # Each edition's board signing key (civic/voting/mixer.py): a folder outside the database, default instance/.
    VOTE_KEYS_DIR = os.environ.get("CIVIC_VOTE_KEYS_DIR") or None
    # Linking an account to the voter roll (eligibility/views.py): guesses of a birth date or a code.
    ROLL_LINK_RATE_LIMIT = "10 per hour"  # per account
    ROLL_LINK_ADDRESS_RATE_LIMIT = "10 per hour"  # per address
    # A census list of 200 000 lines weighs about 8 MB.
    ROLL_UPLOAD_MAX_BYTES = 8 * 1024 * 1024

    # Background tasks (civic.core.queue), run by `civic worker`: a SQLite file in instance/ unless
    # CIVIC_QUEUE_URL names another store (redis://… for workers on several machines).
    QUEUE_URL = os.environ.get("CIVIC_QUEUE_URL")
    QUEUE_IMMEDIATE = False
    # A running count whose worker has not shown it is alive for this long was lost (restart, crash).
    QUEUE_LEASE_SECONDS = 60

    # Largest request body: three 5 MB images and the text fit; above it, a friendly 413.
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024

    CONFIRM_TOKEN_MAX_AGE = 60 * 60 * 48
    RESET_TOKEN_MAX_AGE = 60 * 60

    TOWN_NAME = os.environ.get("CIVIC_TOWN_NAME", "Civic")
    # Public pages served to anonymous visitors from a per-process cache (civic.web.page_cache).
    PAGE_CACHE = True
    PAGE_CACHE_SIZE = 256

    # Deployment (read from CIVIC_ENV, CIVIC_BASE_URL, CIVIC_TRUSTED_HOSTS by ``read_environment``):
    # links in e-mails use BASE_URL, never the request's Host; other Host headers get a 400.
    ENVIRONMENT = "production"
    BASE_URL: str | None = None
    EXTRA_TRUSTED_HOSTS: tuple[str, ...] = ()
    # Reverse proxies in front of Civic (CIVIC_PROXY_COUNT): their X-Forwarded-For gives the visitor's
    # address, so that per-address limits count visitors, not the proxy. 0 (no proxy) ignores the header,
    # which anyone could forge.
    PROXY_COUNT = 0

    # Sessions: staff sessions end after this many idle seconds; last-seen is written at most this often.
    STAFF_IDLE_TIMEOUT = 30 * 60
    SESSION_TOUCH_INTERVAL = 60
    # Failed logins: per account (typed e-mail) and per address (a town hall shares one address).
    LOGIN_ACCOUNT_RATE_LIMIT = "5 per 15 minutes"
    LOGIN_ADDRESS_RATE_LIMIT = "50 per 15 minutes"
    # Password checks inside a session (change, deletion): a stolen session must not guess the password.
    REAUTH_RATE_LIMIT = "5 per 15 minutes"
    # Proposals written (submitted, drafted or edited; each edit keeps a version), per account.
    PROPOSAL_WRITE_RATE_LIMIT = "30 per hour;100 per day"


def database_url_for(instance_path: str) -> str:
    """Return the configured database URL, defaulting to SQLite in the instance folder."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return normalise_database_url(url)
    return "sqlite:///" + str(Path(instance_path) / "civic.sqlite")


def read_environment(config: MutableMapping[str, Any]) -> None:
    """Copy CIVIC_ENV, CIVIC_BASE_URL, CIVIC_PROXY_COUNT and CIVIC_TRUSTED_HOSTS into the configuration."""
    if os.environ.get("CIVIC_ENV"):
        config["ENVIRONMENT"] = os.environ["CIVIC_ENV"].strip().lower()
    if os.environ.get("CIVIC_BASE_URL"):
        config["BASE_URL"] = os.environ["CIVIC_BASE_URL"].strip()
    if os.environ.get("CIVIC_PROXY_COUNT"):
        config["PROXY_COUNT"] = int(os.environ["CIVIC_PROXY_COUNT"])
    if os.environ.get("CIVIC_TRUSTED_HOSTS"):
        hosts = os.environ["CIVIC_TRUSTED_HOSTS"].split(",")
        config["EXTRA_TRUSTED_HOSTS"] = tuple(h.strip() for h in hosts if h.strip())


class ConfigurationError(RuntimeError):
    """The deployment settings are missing or wrong: the app refuses to start."""


def finish_config(config: MutableMapping[str, Any]) -> None:
    """Check the deployment settings and derive trusted hosts and cookie names from them."""
    environment = config.get("ENVIRONMENT")
    if environment not in ENVIRONMENTS:
        raise ConfigurationError(f"CIVIC_ENV must be one of {', '.join(ENVIRONMENTS)}, not {environment!r}.")
    base_url = (config.get("BASE_URL") or "").rstrip("/")
    if base_url:
        parts = urlsplit(base_url)
        if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
            raise ConfigurationError(
                f"CIVIC_BASE_URL must look like https://participation.example.fr, not {base_url!r}."
            )
        config["BASE_URL"] = base_url
    elif environment != "development" and not config.get("TESTING"):
        raise ConfigurationError(
            "Set CIVIC_BASE_URL to the public address of this site (e.g. https://participation.example.fr): "
            "links in e-mails are built from it. For local development set CIVIC_ENV=development."
        )
    if config.get("TRUSTED_HOSTS") is None and base_url:
        hosts = [urlsplit(base_url).hostname, *config.get("EXTRA_TRUSTED_HOSTS", ())]
        if environment == "development":
            hosts += ["localhost", "127.0.0.1"]
        config["TRUSTED_HOSTS"] = list(dict.fromkeys(h for h in hosts if h))
    # The __Host- prefix pins the cookie to this exact host, over HTTPS, for the whole site.
    if config.get("SESSION_COOKIE_SECURE"):
        config.setdefault("SESSION_COOKIE_NAME", "session")
        if config["SESSION_COOKIE_NAME"] == "session":
            config["SESSION_COOKIE_NAME"] = "__Host-session"
        config["SESSION_COOKIE_DOMAIN"] = None
        config["SESSION_COOKIE_PATH"] = "/"
    if config.get("REMEMBER_COOKIE_SECURE") and config.get("REMEMBER_COOKIE_NAME") in (
        None,
        "remember_token",
    ):
        config["REMEMBER_COOKIE_NAME"] = "__Host-remember_token"
        config["REMEMBER_COOKIE_DOMAIN"] = None
        config["REMEMBER_COOKIE_PATH"] = "/"


def ratelimit_storage_warning(storage_uri: str, workers: int) -> str | None:
    """Return a warning when several worker processes would each keep their own rate-limit counters."""
    if workers > 1 and storage_uri.startswith("memory://"):
        return (
            f"{workers} worker processes share rate limits stored in memory://: each process counts on its own, "
            "so every limit is multiplied by the number of workers. Set CIVIC_RATELIMIT_STORAGE_URI=redis://…"
        )
    return None


class TestConfig(Config):
    """Settings for the test suite: cheap hashes, captured mail, no Secure cookies over plain http."""

    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    MAIL_BACKEND = "capture"
    # Background tasks run at once, in the test's process (tests/results/test_worker.py runs a real worker).
    QUEUE_IMMEDIATE = True
    # Cheap parameters keep hundreds of test hashes fast; production uses the defaults above.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    SERVER_NAME = None
    # Whole pages cached for anonymous visitors: off by default here, on in tests/web/test_page_cache.py.
    PAGE_CACHE = False
    # Tests run as development (seed-demo allowed); the production checks are tested explicitly.
    ENVIRONMENT = "development"
    BASE_URL = "http://localhost"
    # The test client sends Host: localhost; the browser tests' live server is at 127.0.0.1:<port>.
    EXTRA_TRUSTED_HOSTS = ("127.0.0.1",)
