"""One settings module, driven by environment variables only.

Nothing set -> the embedded mode for a laptop: SQLite, eager Celery, local-memory
cache, console e-mail, DEBUG on. `DJANGO_ENV=production` switches to the real
services and refuses to start with unsafe values.

Why one module of about 600 lines: read top to bottom it is the whole
configuration, and the production refusal (`if PRODUCTION:` below) sees every
value it checks in the same file; split settings would hide which one wins.
"""

import ipaddress
from decimal import Decimal
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

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
# The reverse proxies in front of the site (addresses or CIDRs, comma-separated).
# Only a request from one of them has its client taken from X-Forwarded-For (the
# right-most hop that is not one of them: partners.client_address); empty, the
# header is never believed. Every rate limit keys on that address.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# TLS ends at the reverse proxy, which also sends http:// to https:// itself: Django
# then does not redirect (SECURE_SSL_REDIRECT off, so the proxy's and the container's
# plain-HTTP health checks reach it) and `check --deploy` does not warn about it (W008).
TLS_TERMINATED_AT_PROXY = env.bool("TLS_TERMINATED_AT_PROXY", default=False)

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
    if TLS_TERMINATED_AT_PROXY and not TRUSTED_PROXIES:
        problems.append(
            "TRUSTED_PROXIES must name the proxy when TLS_TERMINATED_AT_PROXY is on "
            "(else every client has the proxy's address)"
        )
    if problems:
        raise ImproperlyConfigured("Refusing to start in production: " + "; ".join(problems))

for _entry in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_entry.strip(), strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_entry!r} is neither an IP address nor a network (CIDR)"
        ) from _exc

INSTALLED_APPS = [
    "reports.apps.BackOfficeAdminConfig",  # django.contrib.admin, business first
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
    "storages",
    "mlm.apps.MlmConfig",
    "partners",
    "orders",
    "invoices",
    "fulfilment",
    "qualification",
    "commissions",
    "landing",
    "dashboard",
    "payouts",
    "subscriptions",
    "returns",
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
    # key = (client, e-mail): a stranger's wrong passwords never lock the owner out
    # (partners/login_limits.py); per e-mail from all clients only a slow-down.
    "login_failed": "10/m/ip,5/5m/key",
    "login_failed_email": "10/m/key",
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
# Media (product images, partner photos) and private files (personal-data exports):
# the file system of this machine in the embedded mode, or an S3-compatible store
# when S3_BUCKET is set, so web and worker may run on several machines. Media are
# still addressed as MEDIA_URL + name: the reverse proxy serves /media/ from the
# store (deploy/nginx), so links, srcset and og:image stay on the site's address.
# Private files sit under another prefix and are handed out only by Django.
S3_BUCKET = env.str("S3_BUCKET", default="")
if S3_BUCKET:
    _s3 = {
        "bucket_name": S3_BUCKET,
        "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
        "region_name": env.str("S3_REGION", default="") or None,
        "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
        "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
        "file_overwrite": False,
        "default_acl": None,
    }
    _media_storage = {
        "BACKEND": "mlm.storage.ProxiedMediaStorage",
        "OPTIONS": {
            **_s3,
            "location": "media",
            "querystring_auth": False,
            # Stores without bucket policies (or ACLs still on): "public-read" for media
            # only. With a bucket policy on media/* (AWS's default), leave it empty.
            "default_acl": env.str("S3_MEDIA_ACL", default="") or None,
        },
    }
    _private_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {**_s3, "location": "private", "querystring_auth": True},
    }
    STORAGES = {"private": _private_storage}
else:
    # Private files: PRIVATE_MEDIA_ROOT (privacy.models.private_storage).
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    STORAGES = {}
STORAGES |= {
    "default": _media_storage,
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
# Two queues, and a worker without -Q takes from both in turn (kombu's round robin),
# one task at a time per process: the documents' slow work (an invoice's PDF drawn
# for its e-mail, a data export) never queues a paid order's volume or a webhook
# behind hundreds of its own. A company that wants them apart runs one worker with
# `-Q celery` and one with `-Q documents` (docs/operations-production.md).
CELERY_TASK_DEFAULT_QUEUE = "celery"
# Each queue its own routing key: with one key, a message would land in both.
CELERY_TASK_QUEUES = (
    Queue("celery", routing_key="celery"),
    Queue("documents", routing_key="documents"),
)
CELERY_TASK_ROUTES = {
    "invoices.tasks.invoice_mail_send": {"queue": "documents"},
    "privacy.tasks.export_build": {"queue": "documents"},
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
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
    "apply-forgotten-team-sizes": {
        "task": "partners.tasks.apply_team_size_changes",
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
    "send-forgotten-shipping-emails": {
        "task": "fulfilment.tasks.shipment_mails_sweep",
        "schedule": 5 * 60.0,
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
# The countries the checkout ships to (ISO codes, comma-separated; the first is the
# default). Consumers in other EU countries pay their country's VAT (one-stop shop,
# orders/taxes.py); a country outside the EU (CH) is an export without German VAT.
SHIP_TO_COUNTRIES = [c.strip().upper() for c in env.list("SHIP_TO_COUNTRIES", default=["DE", "AT"])]
# Public pages: how long Redis keeps a rendered page (changes drop it at once), and
# the max-age a browser, reverse proxy or CDN may serve it without asking again.
LANDING_CACHE_SECONDS = env.int("LANDING_CACHE_SECONDS", default=300)
LANDING_PUBLIC_MAX_AGE = env.int("LANDING_PUBLIC_MAX_AGE", default=60)
# At or below this many units a product shows "only N left" (orders.stock).
STOCK_LOW_THRESHOLD = env.int("STOCK_LOW_THRESHOLD", default=5)
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
# The Stripe payment methods the checkout offers (switch each on in the Stripe
# Dashboard first): card (with Apple Pay and Google Pay), paypal, klarna.
STRIPE_PAYMENT_METHODS = env.list("STRIPE_PAYMENT_METHODS", default=["card"])

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "partners.api_auth.PartnerTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Any body that is not JSON, also one nested 5,000 deep, is a 400 (not a 500).
    "DEFAULT_PARSER_CLASSES": [
        "partners.api_parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
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
SILENCED_SYSTEM_CHECKS = []
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not TLS_TERMINATED_AT_PROXY)
    if TLS_TERMINATED_AT_PROXY and not SECURE_SSL_REDIRECT:
        # The proxy redirects to https (deploy/nginx/mlm.conf.template): W008 is about a
        # redirect that is there, only not in Django.
        SILENCED_SYSTEM_CHECKS.append("security.W008")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Structured logs in production: one JSON object per line on stderr (time, level,
# logger, message, exception), for the log collector; plain lines on a laptop.
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "mlm.logs.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        }
    },
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

# /healthz: how long the beat's heartbeat may be missing before the beat counts as
# gone (it stamps every HEALTH_HEARTBEAT_SECONDS), and how long the worker may take
# to answer a ping.
HEALTH_HEARTBEAT_SECONDS = env.float("HEALTH_HEARTBEAT_SECONDS", default=30.0)
HEALTH_BEAT_MAX_AGE = env.int("HEALTH_BEAT_MAX_AGE", default=180)
HEALTH_WORKER_PING_TIMEOUT = env.float("HEALTH_WORKER_PING_TIMEOUT", default=1.0)
CELERY_BEAT_SCHEDULE["health-heartbeat"] = {
    "task": "mlm.heartbeat",
    "schedule": HEALTH_HEARTBEAT_SECONDS,
    "options": {"expires": HEALTH_HEARTBEAT_SECONDS},
}

# Error reports: Sentry (or a Sentry-compatible service) when SENTRY_DSN is set; no
# personal data is sent (no user, no request body, no cookies).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default=DJANGO_ENV),
        release=env.str("SENTRY_RELEASE", default="") or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
