"""allauth adapter: a sign-up creates the login and the partner in one transaction."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.internal import ratelimit
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .client_address import request_client_ip
from .forms import SESSION_SPONSOR_KEY
from .login_limits import client_email_key, email_key
from .models import User
from .services import partner_enroll


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_taken": _(
            "An account with this e-mail address exists already. Please sign in, "
            "or reset your password if you have forgotten it."
        ),
        "too_many_login_attempts_for_address": _(
            "Many sign-ins were tried for this address just now. Please wait a minute "
            "and try again, or reset your password."
        ),
    }

    def pre_authenticate(self, request, **credentials):
        """Count the attempt per (client, e-mail), and per e-mail only to slow
        guessing down (partners/login_limits.py); a sign-in that succeeds is
        taken back from both counts by allauth's rollback."""
        email = (credentials.get("email") or credentials.get("username") or "").strip().lower()
        by_email = ratelimit.consume(
            request, app="allauth.account", action="login_failed_email", key=email_key(email=email)
        )
        if not by_email:
            raise self.validation_error("too_many_login_attempts_for_address")
        by_client = ratelimit.consume(
            request,
            app="allauth.account",
            action="login_failed",
            key=client_email_key(email=email, client=self.get_client_ip(request)),
        )
        if not by_client:
            by_email.rollback()
            raise self.validation_error("too_many_login_attempts")
        # allauth rolls this usage back when the password was right.
        self._login_failed_rl_usage = ratelimit.RateLimitUsage(
            usage=by_email.usage + by_client.usage
        )

    def save_user(self, request, user, form, commit=True):
        """Save the user and enroll the partner atomically.

        The form has already checked slug and sponsor; what can still fail here is
        a race (someone took the same address a moment ago, the sponsor was paused).
        Then nothing is kept -- neither user nor partner -- and the form is shown
        again with the service's message next to the field.
        """
        data = form.cleaned_data
        if not commit or "slug" not in data:
            return super().save_user(request, user, form, commit=commit)
        try:
            with transaction.atomic():
                user = super().save_user(request, user, form, commit=True)
                partner_enroll(
                    user=user,
                    email=user.email,
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    slug=data["slug"],
                    sponsor=data["sponsor"],
                    terms_accepted=data["accept_terms"],
                )
        except ValidationError as exc:
            user.pk = None  # rolled back
            self._add_service_errors(form, exc)
            raise ImmediateHttpResponse(self._render_signup_again(request, form)) from exc
        except IntegrityError as exc:
            # The e-mail address was stored by a parallel request (a double click,
            # a second tab) between the form's check and this insert.
            user.pk = None
            if not User.objects.filter(email__iexact=user.email).exists():
                raise
            form.add_error("email", self.error_messages["email_taken"])
            raise ImmediateHttpResponse(self._render_signup_again(request, form)) from exc
        request.session.pop(SESSION_SPONSOR_KEY, None)
        request.partner_just_enrolled = True  # read by add_message below
        return user

    def get_client_ip(self, request):
        """allauth's rate limits (login, failed logins, sign-up, password reset) key on
        the same client address as every other limit (behind a trusted proxy: the
        forwarded client, never a header a client made up)."""
        return request_client_ip(request=request) or super().get_client_ip(request)

    def add_message(self, request, level, message_template=None, *args, **kwargs):
        """One message after sign-up, not two: the welcome page greets the new
        partner already, so "Successfully signed in" is left out (the note that a
        confirmation e-mail was sent stays)."""
        if message_template == "account/messages/logged_in.txt" and getattr(
            request, "partner_just_enrolled", False
        ):
            return
        super().add_message(request, level, message_template, *args, **kwargs)

    @staticmethod
    def _add_service_errors(form, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc.messages)

    @staticmethod
    def _render_signup_again(request, form):
        return render(request, "account/signup.html", {"form": form})

    def get_signup_redirect_url(self, request):
        return reverse("partners:welcome")
