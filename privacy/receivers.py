"""What privacy does when other apps report an event: keep consent answers as evidence."""

from django.dispatch import receiver

from orders.events import consent_answered

from .services import consent_record


@receiver(consent_answered)
def _consent_answered(sender, *, accepted, text_version, **kwargs):
    consent_record(accepted=accepted, text_version=text_version)
