"""What the payouts admin pages share: read-only pages (rows change only
through the services), an action that calls a service for each selected row,
and the download of a SEPA file.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy


class ReadOnlyAdmin(admin.ModelAdmin):
    """Changed only through the services (partner dashboard, imports, runs)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _each(modeladmin, request, queryset, service, done_message, **kwargs):
    """Call a service per selected row; report errors per row, never a 500."""
    done = 0
    for obj in queryset.order_by("pk"):
        try:
            service(request.user, obj, **kwargs)
            done += 1
        except (ValidationError, PermissionDenied) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            modeladmin.message_user(request, f"{obj}: {text}", messages.ERROR)
    if done:
        modeladmin.message_user(request, done_message % {"n": done}, messages.SUCCESS)


class SepaFileAdmin(ReadOnlyAdmin):
    """A payout run or a direct debit collection: its SEPA file (sepa_xml, written
    at approval) linked in the list and downloaded from <pk>/sepa.xml."""

    sepa_format = ""  # "pain.001.001.09", ...

    def sepa_file_name(self, obj) -> str:
        raise NotImplementedError

    @admin.display(description=gettext_lazy("SEPA file"))
    def sepa_file(self, obj):
        if not obj.sepa_sha256:
            return "–"
        info = self.model._meta.app_label, self.model._meta.model_name
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:{}_{}_sepa".format(*info), args=[obj.pk]),
            self.sepa_format,
        )

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "<int:pk>/sepa.xml",
                self.admin_site.admin_view(self.sepa_view),
                name="{}_{}_sepa".format(*info),
            ),
            *super().get_urls(),
        ]

    def sepa_view(self, request, pk):
        obj = self.model._default_manager.filter(pk=pk).first()
        if obj is None or not obj.sepa_sha256 or not self.has_view_permission(request, obj):
            raise Http404
        response = HttpResponse(bytes(obj.sepa_xml), content_type="application/xml")
        response["Content-Disposition"] = f'attachment; filename="{self.sepa_file_name(obj)}"'
        return response
