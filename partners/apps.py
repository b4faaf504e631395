from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Partners")

    def ready(self):
        from allauth.account.signals import password_reset

        from .login_limits import login_counts_reset

        def forget_failed_logins(sender, request, user, **kwargs):
            from allauth.account.models import EmailAddress

            emails = [
                user.email,
                *EmailAddress.objects.filter(user=user).values_list("email", flat=True),
            ]
            login_counts_reset(request, emails=emails)

        password_reset.connect(
            forget_failed_logins, dispatch_uid="partners.forget_failed_logins", weak=False
        )
