"""Admin for outgoing webhooks. Every change goes through webhooks.services."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from .addresses import endpoint_url_check
from .models import SUBSCRIBABLE_EVENTS, Attempt, Delivery, Endpoint, EventType, Message
from .services import (
    webhook_delivery_replay,
    webhook_endpoint_disable,
    webhook_endpoint_enable,
    webhook_endpoint_ping,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_save,
)


class EndpointForm(forms.ModelForm):
    url = forms.URLField(
        label=gettext_lazy("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=gettext_lazy(
            "An https:// address on the public internet; private and loopback "
            "addresses are refused."
        ),
    )
    events = forms.MultipleChoiceField(
        label=gettext_lazy("events"),
        choices=SUBSCRIBABLE_EVENTS,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("The events this endpoint receives."),
    )

    class Meta:
        model = Endpoint
        fields = ("url", "description", "events")

    def clean_url(self):
        url = self.cleaned_data["url"]
        endpoint_url_check(url)
        return url


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = (
        "url",
        "description",
        "events_display",
        "is_active",
        "disabled_reason",
        "failing_since",
    )
    list_filter = ("is_active",)
    search_fields = ("url", "description")
    readonly_fields = (
        "is_active",
        "disabled_at",
        "disabled_reason",
        "failing_since",
        "rotated_at",
        "created_at",
    )
    actions = ("send_test_event", "rotate_secret", "enable", "disable")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("url", "description", "events")
        return ("url", "description", "events", *self.readonly_fields)

    @admin.display(description=gettext_lazy("events"))
    def events_display(self, obj):
        labels = dict(EventType.choices)
        return ", ".join(str(labels.get(e, e)) for e in obj.events or [])

    def save_model(self, request, obj, form, change):
        endpoint, new_secret = webhook_endpoint_save(endpoint=obj)
        if new_secret:
            self.message_user(
                request,
                _(
                    "The signing secret of this endpoint is %(secret)s. Copy it now into "
                    "the receiver's configuration; it is not shown again."
                )
                % {"secret": new_secret},
                messages.WARNING,
            )

    def changelist_view(self, request, extra_context=None):
        disabled = Endpoint.objects.filter(is_active=False).exclude(disabled_reason="").count()
        if disabled and request.method == "GET":
            self.message_user(
                request,
                ngettext(
                    "%(n)d endpoint is disabled; the reason is in the list.",
                    "%(n)d endpoints are disabled; the reasons are in the list.",
                    disabled,
                )
                % {"n": disabled},
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)

    def _each(self, request, queryset, service, done_message):
        done = 0
        for endpoint in queryset.order_by("pk"):
            try:
                service(endpoint=endpoint)
                done += 1
            except ValidationError as exc:
                self.message_user(
                    request, f"{endpoint.url}: {' '.join(exc.messages)}", messages.ERROR
                )
        if done:
            self.message_user(request, done_message % {"n": done}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Send a test event"))
    def send_test_event(self, request, queryset):
        self._each(
            request,
            queryset,
            webhook_endpoint_ping,
            ngettext_lazy(
                "Test event sent to %(n)d endpoint.", "Test event sent to %(n)d endpoints.", "n"
            ),
        )

    @admin.action(description=gettext_lazy("Rotate the signing secret"))
    def rotate_secret(self, request, queryset):
        for endpoint in queryset.order_by("pk"):
            secret = webhook_endpoint_rotate_secret(endpoint=endpoint)
            self.message_user(
                request,
                _(
                    "New signing secret of %(url)s: %(secret)s. The old secret signs as well "
                    "for 24 hours; it is not shown again."
                )
                % {"url": endpoint.url, "secret": secret},
                messages.WARNING,
            )

    @admin.action(description=gettext_lazy("Enable again"))
    def enable(self, request, queryset):
        self._each(
            request,
            queryset,
            webhook_endpoint_enable,
            ngettext_lazy("%(n)d endpoint enabled.", "%(n)d endpoints enabled.", "n"),
        )

    @admin.action(description=gettext_lazy("Disable"))
    def disable(self, request, queryset):
        def disable_by_admin(*, endpoint):
            webhook_endpoint_disable(
                endpoint=endpoint,
                reason=_("Disabled by %(user)s.") % {"user": request.user.get_username()},
            )

        self._each(
            request,
            queryset,
            disable_by_admin,
            ngettext_lazy("%(n)d endpoint disabled.", "%(n)d endpoints disabled.", "n"),
        )


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = ("attempted_at", "response_status", "duration_ms", "error", "response_excerpt")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "webhook_id",
        "event_type",
        "endpoint",
        "status",
        "attempts",
        "last_response_status",
        "last_attempt_at",
        "next_attempt_at",
        "created_at",
    )
    list_filter = (
        "status",
        "message__event_type",
        "endpoint",
        "last_response_status",
        "created_at",
    )
    search_fields = ("message__webhook_id",)
    date_hierarchy = "created_at"
    list_select_related = ("message", "endpoint")
    inlines = (AttemptInline,)
    actions = ("replay",)
    fields = (
        "message",
        "endpoint",
        "replay_of",
        "status",
        "attempts",
        "last_response_status",
        "last_attempt_at",
        "next_attempt_at",
        "succeeded_at",
        "created_at",
        "payload_display",
    )
    readonly_fields = fields

    @admin.display(description=gettext_lazy("webhook id"), ordering="message__webhook_id")
    def webhook_id(self, obj):
        return obj.message.webhook_id

    @admin.display(description=gettext_lazy("event"), ordering="message__event_type")
    def event_type(self, obj):
        return obj.message.get_event_type_display()

    @admin.display(description=gettext_lazy("payload"))
    def payload_display(self, obj):
        from .services import webhook_body

        return webhook_body(obj.message)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("Replay (send again with the same webhook id)"))
    def replay(self, request, queryset):
        done = 0
        for delivery in queryset.order_by("pk"):
            try:
                webhook_delivery_replay(delivery=delivery)
                done += 1
            except ValidationError as exc:
                self.message_user(
                    request,
                    f"{delivery.message.webhook_id}: {' '.join(exc.messages)}",
                    messages.ERROR,
                )
        if done:
            self.message_user(
                request,
                ngettext("%(n)d delivery queued again.", "%(n)d deliveries queued again.", done)
                % {"n": done},
                messages.SUCCESS,
            )


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("webhook_id", "event_type", "created_at")
    list_filter = ("event_type", "created_at")
    search_fields = ("webhook_id",)
    readonly_fields = ("webhook_id", "event_type", "payload", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
