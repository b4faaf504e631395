"""Top-level paths the site uses itself. A partner slug may never be one of them,
because landing pages live at the top level (/<slug>/). tests/partners checks that
every top-level prefix in mlm/urls.py is listed here."""

RESERVED_PATHS = frozenset(
    {
        "about", "account", "accounts", "admin", "api", "assets", "basket", "cart",
        "checkout", "company", "contact", "dashboard", "help", "impressum", "imprint",
        "i18n", "join", "legal", "login", "logout", "media", "order", "orders",
        "partner", "partners", "privacy", "datenschutz", "agb", "terms", "shop",
        "signup", "static", "stripe", "support", "webhooks", "www", "robots-txt",
        "favicon-ico", "consent", "health", "healthz", "qr", "search", "sitemap",
    }
)
