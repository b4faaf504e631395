"""The plan sandbox in the admin: start, watch, compare, download, load; permissions."""

import copy
import json

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from commissions.models import Statement
from qualification.models import Period, Rank
from sandbox.models import SandboxRun
from tests.commissions.conftest import D, berlin
from tests.factories import PartnerFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

NEW = "admin:sandbox_sandboxrun_new"


@pytest.fixture
def closed(plan, sell):
    from qualification.services import period_close, period_recompute

    anna = PartnerFactory(slug="anna", first_name="Anna", last_name="Alt")
    ben = PartnerFactory(slug="ben", sponsor=anna, first_name="Ben", last_name="Bauer")
    sell(anna, 100, "100.00", berlin(2026, 9, 5))
    sell(ben, 250, "250.00", berlin(2026, 9, 5))
    period = Period.objects.get(start="2026-09-01")
    period_recompute(period=period)
    period = period_close(period=period)
    return {"period": period, "anna": anna, "ben": ben}


def staff(*codenames):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="sandbox", codename__in=codenames)
    )
    return user


def test_an_admin_runs_a_pasted_draft_and_sees_both_sides(closed, admin_client, committed):
    draft = copy.deepcopy(closed["period"].plan)
    draft["ranks"][0]["customer_percent"] = "40"
    with committed():
        response = admin_client.post(
            reverse(NEW), {"text": json.dumps(draft), "periods": [closed["period"].pk]}
        )
    run = SandboxRun.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "admin:sandbox_sandboxrun_result", args=[run.pk]
    )

    page = admin_client.get(response.url)

    assert page.status_code == 200
    html = page.content.decode()
    assert run.status == "queued" or SandboxRun.objects.get().status == "done"
    assert "2026-09" in html and "As paid" in html and "Draft" in html
    assert "Partners who gain most" in html and "chart.umd.min.js" in html
    assert f"Ben Bauer (#{closed['ben'].pk})" in html  # Bronze gains; today's name, read when shown
    assert 'http-equiv="refresh"' not in html  # finished: no more polling


def test_an_uploaded_file_works_like_a_pasted_one(closed, admin_client, committed):
    upload = SimpleUploadedFile(
        "draft.json", json.dumps(closed["period"].plan).encode(), "application/json"
    )
    with committed():
        response = admin_client.post(
            reverse(NEW), {"file": upload, "periods": [closed["period"].pk]}
        )
    assert response.status_code == 302
    assert SandboxRun.objects.get().status == SandboxRun.Status.DONE


def test_an_invalid_draft_shows_the_plan_files_messages_and_stores_nothing(closed, admin_client):
    draft = copy.deepcopy(closed["period"].plan)
    draft["commissions"]["cap_percent"] = "abc"
    draft["ranks"][0]["team_percents"] = "6"

    response = admin_client.post(
        reverse(NEW), {"text": json.dumps(draft), "periods": [closed["period"].pk]}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "“commissions”: “cap_percent”" in html
    assert "must be a list of percents" in html
    assert not SandboxRun.objects.exists()


@pytest.mark.parametrize(
    "data, message",
    [
        ({"text": "{not json"}, "not valid JSON"),
        ({"text": ""}, "Please upload a draft plan file or paste its JSON."),
        ({"text": "{}", "periods": []}, "Please choose at least one closed period."),
    ],
)
def test_bad_form_input_gets_a_clear_message(closed, admin_client, data, message):
    data = {"periods": [closed["period"].pk], **data}
    response = admin_client.post(reverse(NEW), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SandboxRun.objects.exists()


def test_the_run_list_refreshes_while_a_run_is_going(closed, admin_client):
    SandboxRun.objects.create(
        plan=closed["period"].plan, periods=["2026-09"], status="running", progress=40
    )
    html = admin_client.get(reverse("admin:sandbox_sandboxrun_changelist")).content.decode()
    assert 'http-equiv="refresh"' in html
    run = SandboxRun.objects.get()
    html = admin_client.get(
        reverse("admin:sandbox_sandboxrun_result", args=[run.pk])
    ).content.decode()
    assert 'http-equiv="refresh"' in html and "40 %" in html


def test_the_draft_downloads_as_json(closed, admin_client):
    run = SandboxRun.objects.create(plan=closed["period"].plan, periods=["2026-09"])
    response = admin_client.get(reverse("admin:sandbox_sandboxrun_draft", args=[run.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert json.loads(response.content) == closed["period"].plan


def test_loading_the_draft_needs_confirmation_and_changes_only_the_open_period(
    closed, admin_client, committed, sell
):
    sell(closed["anna"], 100, "100.00", berlin(2026, 10, 5))
    october = Period.objects.get(start="2026-10-01")
    draft = copy.deepcopy(closed["period"].plan)
    draft["ranks"][0]["min_pv"] = "500"  # nobody is Bronze any more
    run = SandboxRun.objects.create(plan=draft, periods=["2026-09"], status="done")
    url = reverse("admin:sandbox_sandboxrun_load", args=[run.pk])
    closed_stats = list(closed["period"].partner_stats.order_by("pk").values())
    statements = list(Statement.objects.order_by("pk").values())

    confirm = admin_client.get(url)
    assert (
        confirm.status_code == 200
        and "Closed periods and their statements never change" in confirm.content.decode()
    )
    assert Rank.objects.get(level=1).min_pv == D(100)  # a GET changes nothing

    with committed():
        response = admin_client.post(url)

    assert response.status_code == 302
    assert Rank.objects.get(level=1).min_pv == D(500)
    assert list(closed["period"].partner_stats.order_by("pk").values()) == closed_stats
    assert list(Statement.objects.order_by("pk").values()) == statements
    assert october.partner_stats.get(partner=closed["anna"]).paid_as_level == 0


def test_permissions(closed, client, committed):
    run = SandboxRun.objects.create(plan=closed["period"].plan, periods=["2026-09"], status="done")
    load = reverse("admin:sandbox_sandboxrun_load", args=[run.pk])
    data = {"text": json.dumps(closed["period"].plan), "periods": [closed["period"].pk]}

    client.force_login(staff())
    assert client.get(reverse(NEW)).status_code == 403
    assert client.post(reverse(NEW), data).status_code == 403
    assert client.get(reverse("admin:sandbox_sandboxrun_result", args=[run.pk])).status_code == 403
    assert client.post(load).status_code == 403

    client.force_login(staff("run_sandbox"))
    assert client.get(reverse(NEW)).status_code == 200
    page = client.get(reverse("admin:sandbox_sandboxrun_result", args=[run.pk])).content.decode()
    assert load not in page
    assert client.post(load).status_code == 403
    with committed():
        assert client.post(reverse(NEW), data).status_code == 302
    assert SandboxRun.objects.count() == 2

    client.force_login(staff("run_sandbox", "load_plan"))
    assert (
        load
        in client.get(reverse("admin:sandbox_sandboxrun_result", args=[run.pk])).content.decode()
    )
    assert client.get(load).status_code == 200


def test_the_plan_manager_role_may_use_the_sandbox(closed):
    from django.contrib.auth.models import Group

    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="Plan manager"))

    assert user.has_perm("sandbox.run_sandbox") and user.has_perm("sandbox.load_plan")
    assert user.has_perm("sandbox.view_sandboxrun")
