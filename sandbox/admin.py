"""The plan sandbox in the admin: start a run, watch it, compare, download the
draft, and (explicitly, after a confirmation) load it as the plan in force."""

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .forms import SandboxRunForm
from .models import SandboxRun
from .selectors import sandbox_partner_names
from .services import sandbox_draft_load, sandbox_run_create

RUN = "sandbox.run_sandbox"
LOAD = "sandbox.load_plan"


@admin.register(SandboxRun)
class SandboxRunAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "period_list",
        "status",
        "progress",
        "message",
        "created_by",
        "created_at",
        "finished_at",
    )
    list_filter = ("status",)
    change_list_template = "admin/sandbox/sandboxrun/change_list.html"

    @admin.display(description=gettext_lazy("periods"))
    def period_list(self, obj):
        return ", ".join(obj.periods)

    def has_module_permission(self, request):
        return request.user.has_perm(RUN) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(RUN) or super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return False  # runs are started by the sandbox form

    def has_change_permission(self, request, obj=None):
        return False  # a run is a record; it is never edited

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_run": request.user.has_perm(RUN),
            "any_running": SandboxRun.objects.filter(
                status__in=(SandboxRun.Status.QUEUED, SandboxRun.Status.RUNNING)
            ).exists(),
        }
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return redirect("admin:sandbox_sandboxrun_result", object_id)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("new/", view(self.new_view), name="sandbox_sandboxrun_new"),
            path("<int:run_id>/result/", view(self.result_view), name="sandbox_sandboxrun_result"),
            path("<int:run_id>/draft.json", view(self.draft_view), name="sandbox_sandboxrun_draft"),
            path("<int:run_id>/load/", view(self.load_view), name="sandbox_sandboxrun_load"),
            *super().get_urls(),
        ]

    def _context(self, request, **extra):
        return {**self.admin_site.each_context(request), "opts": self.model._meta, **extra}

    def new_view(self, request):
        if not request.user.has_perm(RUN):
            raise PermissionDenied
        form = SandboxRunForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                run = sandbox_run_create(
                    data=form.cleaned_data["plan"],
                    periods=list(form.cleaned_data["periods"]),
                    created_by=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(
                    request, _("The sandbox run has started; this page follows its progress.")
                )
                return redirect("admin:sandbox_sandboxrun_result", run.pk)
        context = self._context(request, form=form, title=_("Try a draft plan on closed periods"))
        return TemplateResponse(
            request,
            "admin/sandbox/sandboxrun/new.html",
            context,
            status=400 if form.errors else 200,
        )

    def result_view(self, request, run_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        run = get_object_or_404(SandboxRun, pk=run_id)
        periods = (run.results or {}).get("periods", [])
        rows = []
        for period in periods:
            draft, paid = period["draft"], period["paid"]
            rank_names = sorted(set(draft["ranks"]) | set(paid["ranks"]))
            rows.append(
                {
                    "label": period["label"],
                    "draft": draft,
                    "paid": paid,
                    "ranks": [
                        (name, paid["ranks"].get(name, 0), draft["ranks"].get(name, 0))
                        for name in rank_names
                    ],
                }
            )
        chart = {
            "labels": [p["label"] for p in periods],
            "datasets": [
                {
                    "label": _("As paid: commissions in percent of CV"),
                    "data": [p["paid"].get("total_percent_of_cv") or 0 for p in periods],
                },
                {
                    "label": _("Draft: commissions in percent of CV"),
                    "data": [p["draft"].get("total_percent_of_cv") or 0 for p in periods],
                },
            ],
        }
        gainers = (run.results or {}).get("gainers", [])
        losers = (run.results or {}).get("losers", [])
        names = sandbox_partner_names(partner_ids=[row["partner_id"] for row in gainers + losers])
        for row in gainers + losers:
            row["name"] = names.get(row["partner_id"], "")
        context = self._context(
            request,
            run=run,
            rows=rows,
            chart=chart,
            gainers=gainers,
            losers=losers,
            can_load=request.user.has_perm(LOAD),
            title=str(run),
        )
        return TemplateResponse(request, "admin/sandbox/sandboxrun/result.html", context)

    def draft_view(self, request, run_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        run = get_object_or_404(SandboxRun, pk=run_id)
        response = HttpResponse(
            json.dumps(run.plan, indent=2, ensure_ascii=False) + "\n",
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="draft-plan-{run.pk}.json"'
        return response

    def load_view(self, request, run_id):
        if not request.user.has_perm(LOAD):
            raise PermissionDenied
        run = get_object_or_404(SandboxRun, pk=run_id)
        if request.method == "POST":
            try:
                counts = sandbox_draft_load(run=run)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(
                    request,
                    _(
                        "The draft of %(run)s is now the plan for the open periods (ranks: %(added)s added, "
                        "%(updated)s updated, %(removed)s removed); they are being recomputed. Closed "
                        "periods are unchanged."
                    )
                    % {"run": run, **counts},
                )
            return redirect("admin:sandbox_sandboxrun_result", run.pk)
        context = self._context(
            request,
            run=run,
            title=_("Load the draft as the plan for the open periods?"),
            cancel_url=reverse("admin:sandbox_sandboxrun_result", args=[run.pk]),
        )
        return TemplateResponse(request, "admin/sandbox/sandboxrun/load.html", context)
