"""Admin: open withdrawals with their refund deadline; returns opened, received
(all or some lines) and closed through the services; every step in the log."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from orders.models import Order
from orders.templatetags.shop import money

from . import emails, services
from .forms import QuantitiesForm, ReturnOpenForm, line_label
from .models import Return, ReturnLine, ReturnLog, Withdrawal


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Withdrawal)
class WithdrawalAdmin(admin.ModelAdmin):
    list_display = (
        "declared_at",
        "reference",
        "name",
        "email",
        "kind",
        "order_link",
        "status",
        "refund_deadline",
        "acknowledged_at",
    )
    list_filter = ("status", "kind")
    search_fields = ("reference", "email", "name", "order__number", "subscription__number")
    date_hierarchy = "declared_at"
    list_select_related = ("order", "subscription")
    readonly_fields = [f.name for f in Withdrawal._meta.fields]
    actions = ["close", "acknowledge_again"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("order"), ordering="order__number")
    def order_link(self, obj):
        if obj.order_id:
            url = reverse("admin:orders_order_change", args=[obj.order_id])
            return format_html('<a href="{}">{}</a>', url, obj.order.number)
        if obj.subscription_id:
            return obj.subscription.number
        return "—"

    @admin.display(description=gettext_lazy("refund due by"), ordering="refund_due_on")
    def refund_deadline(self, obj):
        if obj.refund_due_on is None:
            return "—"
        if obj.status != Withdrawal.Status.OPEN:
            return obj.refund_due_on.strftime("%d.%m.%Y")
        days = (obj.refund_due_on - timezone.localdate()).days
        if days < 0:
            text = ngettext("%(n)d day overdue", "%(n)d days overdue", -days) % {"n": -days}
            return format_html(
                '<strong class="errornote">{} ({})</strong>',
                obj.refund_due_on.strftime("%d.%m.%Y"),
                text,
            )
        text = ngettext("%(n)d day left", "%(n)d days left", days) % {"n": days}
        return format_html("{} ({})", obj.refund_due_on.strftime("%d.%m.%Y"), text)

    @admin.action(description=gettext_lazy("Mark as done"), permissions=["change"])
    def close(self, request, queryset):
        done = 0
        for withdrawal in queryset.order_by("pk"):
            try:
                services.withdrawal_close(withdrawal=withdrawal, closed_by=request.user)
                done += 1
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
        if done:
            self.message_user(
                request, _("%(n)d withdrawals marked as done.") % {"n": done}, messages.SUCCESS
            )

    @admin.action(
        description=gettext_lazy("Send the acknowledgement e-mail again"), permissions=["change"]
    )
    def acknowledge_again(self, request, queryset):
        sent = sum(1 for w in queryset.order_by("pk") if emails.acknowledgement_deliver(w.pk))
        self.message_user(
            request, _("%(n)d acknowledgements sent.") % {"n": sent}, messages.SUCCESS
        )


class ReturnLineInline(ReadOnlyInline):
    model = ReturnLine
    fields = ("order_line", "quantity", "received_quantity")
    readonly_fields = fields


class ReturnLogInline(ReadOnlyInline):
    model = ReturnLog
    fields = ("created_at", "from_status", "to_status", "note", "refund", "actor")
    readonly_fields = fields


class OrderNumberForm(forms.Form):
    order = forms.CharField(label=gettext_lazy("Order number"), max_length=32)


@admin.register(Return)
class ReturnAdmin(admin.ModelAdmin):
    list_display = ("number", "order_link", "reason", "status", "created_at", "opened_by")
    list_filter = ("status", "reason")
    search_fields = ("order__number", "order__email")
    list_select_related = ("order", "opened_by")
    readonly_fields = ("order", "withdrawal", "status", "reason", "note", "opened_by", "created_at")
    fields = readonly_fields
    inlines = [ReturnLineInline, ReturnLogInline]
    actions = ["receive_all"]
    change_form_template = "returns/admin/return_change_form.html"
    change_list_template = "returns/admin/return_change_list.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_receive_permission(self, request):
        return request.user.has_perm("returns.receive_return")

    @admin.display(description=gettext_lazy("number"), ordering="pk")
    def number(self, obj):
        return obj.number

    @admin.display(description=gettext_lazy("order"), ordering="order__number")
    def order_link(self, obj):
        url = reverse("admin:orders_order_change", args=[obj.order_id])
        return format_html('<a href="{}">{}</a>', url, obj.order.number)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("open/", view(self.open_view), name="returns_return_open"),
            path("<int:pk>/receive/", view(self.receive_view), name="returns_return_receive"),
            path("<int:pk>/close/", view(self.cancel_view), name="returns_return_cancel"),
            *super().get_urls(),
        ]

    @admin.action(description=gettext_lazy("Goods received in full"), permissions=["receive"])
    def receive_all(self, request, queryset):
        done = 0
        for ret in queryset.order_by("pk"):
            try:
                services.return_receive(ret=ret, received_by=request.user)
                done += 1
            except ValidationError as exc:
                self.message_user(
                    request, f"{ret.number}: {' '.join(exc.messages)}", messages.ERROR
                )
        if done:
            self.message_user(
                request,
                _("%(n)d returns received and refunded.") % {"n": done},
                messages.SUCCESS,
            )

    def _page(self, request, title, **context):
        return TemplateResponse(
            request,
            "returns/admin/form.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": title,
                **context,
            },
        )

    def open_view(self, request):
        if not self.has_view_permission(request) or not request.user.has_perm("returns.add_return"):
            raise PermissionDenied
        number = (request.GET.get("order") or request.POST.get("order") or "").strip()
        order = Order.objects.filter(number__iexact=number).first() if number else None
        if order is None:
            form = OrderNumberForm(request.GET or None)
            if number:
                form.add_error("order", _("There is no order %(number)s.") % {"number": number})
            return self._page(
                request, _("Open a return"), form=form, method="get", submit=_("Continue")
            )
        left = services.returnable_quantities(order=order)
        lines = [line for line in order.lines.all() if line.pk in left]
        form = ReturnOpenForm(
            request.POST or None,
            rows=[(line.pk, line_label(line), 0, left[line.pk]) for line in lines],
            reasons=Return.Reason.choices,
        )
        if request.method == "POST" and form.is_valid():
            try:
                ret = services.return_open(
                    order=order,
                    quantities=form.quantities(),
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                    opened_by=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                self.message_user(
                    request,
                    _("Return %(number)s opened for order %(order)s.")
                    % {"number": ret.number, "order": order.number},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:returns_return_change", args=[ret.pk]))
        return self._page(
            request,
            _("Open a return for order %(number)s") % {"number": order.number},
            form=form,
            order=order,
            intro=_(
                "Choose how many of each item are expected back. Nothing is refunded yet: "
                "the refund follows when the warehouse marks the goods received."
            ),
            submit=_("Open the return"),
        )

    def receive_view(self, request, pk):
        if not self.has_receive_permission(request):
            raise PermissionDenied
        ret = get_object_or_404(Return.objects.select_related("order"), pk=pk)
        lines = [line for line in ret.lines.select_related("order_line") if line.outstanding]
        form = QuantitiesForm(
            request.POST or None,
            rows=[
                (line.pk, line_label(line.order_line), line.outstanding, line.outstanding)
                for line in lines
            ],
        )
        if request.method == "POST" and form.is_valid():
            try:
                refund = services.return_receive(
                    ret=ret, quantities=form.quantities(), received_by=request.user
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                self.message_user(
                    request,
                    _("Received; %(amount)s (QV %(qv)s) refunded on order %(number)s.")
                    % {"amount": money(refund.amount), "qv": refund.qv, "number": ret.order.number},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:returns_return_change", args=[ret.pk]))
        return self._page(
            request,
            _("Goods of return %(number)s received") % {"number": ret.number},
            form=form,
            order=ret.order,
            intro=_(
                "Enter what arrived. It is refunded at once by the refund rules of the order "
                "(the shipping fee with the last item); customer and partner are told."
            ),
            submit=_("Received: refund"),
        )

    def cancel_view(self, request, pk):
        if not self.has_change_permission(request):
            raise PermissionDenied
        ret = get_object_or_404(Return.objects.select_related("order"), pk=pk)
        form = ReturnCancelForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.return_cancel(
                    ret=ret, cancelled_by=request.user, note=form.cleaned_data["note"]
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                self.message_user(request, _("Return %(number)s closed.") % {"number": ret.number})
                return HttpResponseRedirect(reverse("admin:returns_return_change", args=[ret.pk]))
        return self._page(
            request,
            _("Close return %(number)s without (more) goods") % {"number": ret.number},
            form=form,
            order=ret.order,
            intro=_("What has not arrived is not refunded. The reason is kept in the log."),
            submit=_("Close the return"),
        )


class ReturnCancelForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Reason"), max_length=255)
