"""One settings module, driven by environment variables only.

Nothing set -> the embedded mode for a laptop: SQLite, eager Celery, local-memory
cache, console e-mail, DEBUG on. `DJANGO_ENV=production` switches to the real
services and refuses to start with unsafe values.
"""

from decimal import Decimal
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"
DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
SECRET_KEY = env.str("SECRET_KEY", default="" if PRODUCTION else DEV_SECRET_KEY)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The site's address for absolute links (copy fields, QR codes, e-mails, link
# previews). Empty: the address each request came to (partners.links.site_url);
# work without a request (e-mails sent by a task) falls back to the local server.
SITE_URL = env.str("SITE_URL", default="").rstrip("/")
SITE_URL_FALLBACK = f"http://127.0.0.1:{env.int('PORT', default=8000)}"

if PRODUCTION:
    problems = []
    if not SECRET_KEY or SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50:
        problems.append("SECRET_KEY must be set to a random value of 50 or more characters")
    if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS must list the site's host names")
    if DEBUG:
        problems.append("DEBUG must be off")
    if not env.str("DATABASE_URL", default="").startswith(("postgres://", "postgresql://")):
        problems.append("DATABASE_URL must point at PostgreSQL")
    if not env.str("REDIS_URL", default=""):
        problems.append("REDIS_URL must be set (cache and rate limits need a shared cache)")
    if not env.str("CELERY_BROKER_URL", default=""):
        problems.append("CELERY_BROKER_URL must be set (tasks run on a worker in production)")
    if problems:
        raise ImproperlyConfigured("Refusing to start in production: " + "; ".join(problems))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_celery_beat",
    "partners",
    "orders",
    "invoices",
    "qualification",
    "commissions",
    "landing",
    "dashboard",
    "payouts",
    "subscriptions",
    "webhooks",
    "reports",
    "privacy",
    "sandbox",
    "notifications",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "mlm.urls"
WSGI_APPLICATION = "mlm.wsgi.application"
SITE_ID = 1

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "landing.context_processors.site",
                "notifications.context_processors.unread",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server and an eager task share the file.
    # Transactions start as writers (BEGIN IMMEDIATE): one that read first and then
    # writes would otherwise fail at once with "database is locked", whatever the
    # timeout, when another writer committed in between.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
    )
# Persistent connections for SQLite too: closing the last connection of a WAL
# database checkpoints it (an fsync), which made every request that touches the
# database ~15 ms slower under gunicorn.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
# Public pages (landing, shop) are kept in two tiers: "landing_local", a few seconds in
# each process, in front of "default" (Redis when set, shared by all processes).
LANDING_LOCAL_SECONDS = env.int("LANDING_LOCAL_SECONDS", default=5)
_local_tier = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "landing-local",
    "TIMEOUT": LANDING_LOCAL_SECONDS,
    "OPTIONS": {"MAX_ENTRIES": 2000},
}
if REDIS_URL:
    # django-redis with its connection pool (redis-py parses with hiredis when it is
    # installed). IGNORE_EXCEPTIONS: with Redis gone a read is a miss and a write is
    # skipped (and logged), so pages, sessions and checkout go on from the database.
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": env.float("REDIS_CONNECT_TIMEOUT", default=0.5),
                "SOCKET_TIMEOUT": env.float("REDIS_TIMEOUT", default=0.5),
                "CONNECTION_POOL_KWARGS": {
                    "max_connections": env.int("REDIS_MAX_CONNECTIONS", default=50)
                },
            },
            "KEY_PREFIX": "mlm",
        },
        "landing_local": _local_tier,
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "landing_local": _local_tier,
    }
# Django's own sessions: in the database, read through Redis when it is there
# (cached_db; with Redis gone they are read from the database). Only visitors who act
# (add to cart, consent, check out, sign in) get one: the public pages never touch the
# session. Expired rows are removed by the "clear-expired-sessions" beat task.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_URL
    else "django.contrib.sessions.backends.db"
)

AUTH_USER_MODEL = "partners.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/dashboard/"
LOGOUT_REDIRECT_URL = "/"

# django-allauth: e-mail is the login, no usernames.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SIGNUP_FORM_CLASS = "partners.forms.PartnerSignupForm"
ACCOUNT_ADAPTER = "partners.adapters.AccountAdapter"
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("COMPANY_TIME_ZONE", default="Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Personal-data exports: outside MEDIA_ROOT, handed out only by privacy.views.export_download.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private_media")))
# How long an erased partner's landing page address stays blocked from reuse.
PRIVACY_SLUG_BLOCK_DAYS = env.int("PRIVACY_SLUG_BLOCK_DAYS", default=365)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if env.str("EMAIL_HOST", default="")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Shop <shop@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Who hears about operational problems (e.g. a disabled webhook endpoint); without
# it, the active superusers with an e-mail address do.
ADMINS = [("", address) for address in env.list("ADMINS", default=[])]

# Celery: eager in process unless a broker is configured.
CELERY_TASK_ALWAYS_EAGER = not env.str("CELERY_BROKER_URL", default="")
# Eager tasks never reach a broker; the in-memory transport keeps Celery from guessing one.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="memory://")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "privacy-scrub-expired-retention": {
        "task": "privacy.tasks.scrub_expired_retention",
        "schedule": 24 * 60 * 60.0,
    },
    "apply-forgotten-volume": {
        "task": "qualification.tasks.sweep_pending_volume",
        "schedule": 60.0,
    },
    "flush-landing-visits": {
        "task": "landing.tasks.flush_landing_visits",
        "schedule": 60.0,
    },
    "clear-expired-sessions": {
        "task": "landing.tasks.clear_expired_sessions",
        "schedule": crontab(hour=4, minute=17),
    },
    "send-forgotten-direct-debit-notices": {
        "task": "payouts.tasks.debit_notices_sweep",
        "schedule": 300.0,
    },
    "issue-and-send-forgotten-invoices": {
        "task": "invoices.tasks.invoices_sweep",
        "schedule": 300.0,
    },
    "send-forgotten-order-confirmations": {
        "task": "orders.tasks.order_confirmations_sweep",
        "schedule": 60.0,
    },
    "ensure-current-period": {
        "task": "qualification.tasks.ensure_current_period",
        "schedule": crontab(minute=5),
    },
    "send-due-webhooks": {
        "task": "webhooks.tasks.sweep_due_webhook_deliveries",
        "schedule": 60.0,
    },
    "sweep-period-closes": {
        "task": "qualification.tasks.sweep_period_closes",
        "schedule": 60.0,
    },
    "prune-webhook-history": {
        "task": "webhooks.tasks.webhook_history_prune",
        "schedule": crontab(hour=4, minute=47),
    },
    "prune-idempotency-keys": {
        "task": "orders.tasks.idempotency_keys_prune",
        "schedule": crontab(hour=4, minute=37),
    },
    "send-forgotten-notification-emails": {
        "task": "notifications.tasks.notification_emails_sweep",
        "schedule": 300.0,
    },
    "notify-close-to-rank": {
        "task": "notifications.tasks.notify_rank_close",
        "schedule": crontab(hour=9, minute=0),
    },
    "send-notification-digests": {
        "task": "notifications.tasks.notification_digests_send",
        "schedule": crontab(hour=18, minute=0),
    },
    # Subscriptions: the day's cycle orders, price notices and pre-notifications.
    "run-subscriptions": {
        "task": "subscriptions.tasks.run_subscriptions",
        "schedule": crontab(hour=5, minute=30),
    },
    # commissions.md 4: the estimate is never older than five minutes.
    "refresh-commission-estimates": {
        "task": "commissions.tasks.refresh_commission_estimates",
        "schedule": 120.0,
        "options": {"expires": 110},
    },
}

# Business settings (qualification.md)
COMPANY_NAME = env.str("COMPANY_NAME", default="Lumen Naturkosmetik")
DEFAULT_CURRENCY = "EUR"
# Reports (commissions.md 7): a partner whose own purchases are more than this share
# of their CV is listed (German courts look at sales to outsiders).
OWN_PURCHASE_SHARE_ALERT = Decimal(env.str("OWN_PURCHASE_SHARE_ALERT", default="0.5"))
ATTRIBUTION_WINDOW_DAYS = env.int("ATTRIBUTION_WINDOW_DAYS", default=30)
ATTRIBUTION_MODE = env.str("ATTRIBUTION_MODE", default="lifetime")  # or "last_touch"
REFERRAL_COOKIE_NAME = "mlm_ref"
PARTNER_TERMS_VERSION = env.str("PARTNER_TERMS_VERSION", default="2026-01")
SHIPPING_FLAT_FEE = Decimal(env.str("SHIPPING_FLAT_FEE", default="4.90"))
# Requests per company API key to the order intake API (/api/v1/orders), DRF's "n/period".
ORDER_INTAKE_RATE = env.str("ORDER_INTAKE_RATE", default="600/min")
# How long the intake API remembers an Idempotency-Key (a shop's retries come within hours).
ORDER_INTAKE_IDEMPOTENCY_DAYS = env.int("ORDER_INTAKE_IDEMPOTENCY_DAYS", default=30)
# Settled webhook events (and their deliveries and attempts) are kept this long
# for the delivery log and replays, then pruned daily.
WEBHOOK_HISTORY_DAYS = env.int("WEBHOOK_HISTORY_DAYS", default=90)
SHIPPING_FREE_FROM = Decimal(env.str("SHIPPING_FREE_FROM", default="50.00"))
# Public pages: how long Redis keeps a rendered page (changes drop it at once), and
# the max-age a browser, reverse proxy or CDN may serve it without asking again.
LANDING_CACHE_SECONDS = env.int("LANDING_CACHE_SECONDS", default=300)
LANDING_PUBLIC_MAX_AGE = env.int("LANDING_PUBLIC_MAX_AGE", default=60)
# "3 days left: 40 PV missing for Silver" goes to partners missing at most this much PV.
NOTIFICATIONS_RANK_CLOSE_MAX_PV = Decimal(env.str("NOTIFICATIONS_RANK_CLOSE_MAX_PV", default="100"))
# Web Push (browser notifications) is on when both VAPID keys are set (generate them
# with `vapid --gen` of py-vapid, or any Web Push key generator; base64url strings).
WEBPUSH_VAPID_PUBLIC_KEY = env.str("WEBPUSH_VAPID_PUBLIC_KEY", default="")
WEBPUSH_VAPID_PRIVATE_KEY = env.str("WEBPUSH_VAPID_PRIVATE_KEY", default="")
WEBPUSH_VAPID_SUBJECT = env.str("WEBPUSH_VAPID_SUBJECT", default="mailto:admin@example.com")
DASHBOARD_POLL_SECONDS = env.int("DASHBOARD_POLL_SECONDS", default=5)
# Bank details printed for prepayment (Vorkasse / Rechnung).
COMPANY_BANK_ACCOUNT_HOLDER = env.str("COMPANY_BANK_ACCOUNT_HOLDER", default=COMPANY_NAME)
COMPANY_IBAN = env.str("COMPANY_IBAN", default="DE02 1203 0000 0000 2020 51")
COMPANY_BIC = env.str("COMPANY_BIC", default="BYLADEM1001")
# The company as it appears on credit notes (Gutschriften, commissions.md section 5).
COMPANY_STREET = env.str("COMPANY_STREET", default="Musterstraße 1")
COMPANY_POSTAL_CODE = env.str("COMPANY_POSTAL_CODE", default="80331")
COMPANY_CITY = env.str("COMPANY_CITY", default="München")
COMPANY_COUNTRY = env.str("COMPANY_COUNTRY", default="DE")
COMPANY_VAT_ID = env.str("COMPANY_VAT_ID", default="DE136695976")
COMPANY_TAX_NUMBER = env.str("COMPANY_TAX_NUMBER", default="")
# Customer invoices (invoices/): issued when an order is "paid" (default) or "shipped";
# the company above is the seller on them.
INVOICE_ISSUE_ON = env.str("INVOICE_ISSUE_ON", default="paid")
# Payouts (commissions.md sections 5 and 6).
COMMISSION_VAT_RATE = Decimal(env.str("COMMISSION_VAT_RATE", default="19"))
PAYOUT_IBAN_HOLD_DAYS = env.int("PAYOUT_IBAN_HOLD_DAYS", default=3)
# Subscriptions: a price rise applies to cycles this many days after it was announced
# to the subscriber (a cut at once).
SUBSCRIPTION_PRICE_NOTICE_DAYS = env.int("SUBSCRIPTION_PRICE_NOTICE_DAYS", default=42)
# SEPA direct debit (Lastschrift): the company's creditor identifier
# (Gläubiger-Identifikationsnummer from the Bundesbank; the default is the
# Bundesbank's published test id, checked by payouts.checks), and how many days
# before a debit the customer is told (agreed in the mandate text, instead of the
# rulebook's 14 days).
SEPA_CREDITOR_ID = env.str("SEPA_CREDITOR_ID", default="DE98ZZZ09999999999")
SEPA_PRENOTIFICATION_DAYS = env.int("SEPA_PRENOTIFICATION_DAYS", default=5)

# Outgoing webhooks: https only in production; private/loopback receivers never,
# unless a developer allows them for a receiver on their own machine.
WEBHOOKS_ALLOW_HTTP = not PRODUCTION
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = not PRODUCTION and env.bool(
    "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", default=False
)

STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "partners.api_auth.PartnerTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Partner API and order intake API",
    "DESCRIPTION": "Partners: read-only access to their own data (/api/v1/me..., personal token). "
    "The company's external shops: orders, payments and refunds (/api/v1/orders..., company API key).",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # fpdf2 subsets fonts through fontTools, which reports every table at INFO.
        "fontTools": {"level": "WARNING"},
        "drafthorse": {"level": "WARNING"},
        # Eager mode's in-memory transport has no host; kombu would warn on every task.
        "kombu.connection": {"level": "WARNING" if PRODUCTION else "ERROR"},
        # One INFO line per webhook request; attempts are listed in the admin instead.
        "httpx": {"level": "WARNING"},
    },
}
