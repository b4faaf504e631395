"""The signed link in every subscription e-mail: it opens the subscription
without an account. django.core.signing over the subscription's secret token;
a new token (subscription_token_renew) makes every older link stop working."""

from django.core import signing
from django.urls import reverse

from partners.links import site_url

SALT = "subscriptions.manage"


def manage_key(subscription) -> str:
    return signing.dumps({"n": subscription.number, "t": subscription.token}, salt=SALT)


def manage_url(subscription) -> str:
    path = reverse("subscriptions:manage", kwargs={"key": manage_key(subscription)})
    return site_url() + path


def cancel_url() -> str:
    return site_url() + reverse("subscriptions:cancel")


def manage_key_read(key: str) -> tuple[str, str] | None:
    """(number, token) of a valid key, None for anything else."""
    try:
        value = signing.loads(key, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(value, dict) or not isinstance(value.get("n"), str):
        return None
    if not isinstance(value.get("t"), str):
        return None
    return value["n"], value["t"]
