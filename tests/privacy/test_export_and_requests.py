"""Export (Art. 15/20) and the partner's erasure request with admin approval."""

import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from partners.models import Partner
from privacy.models import ErasureRequest, ExportJob
from privacy.selectors import export_download_token
from privacy.services import person_export
from tests.factories import CustomerFactory, OrderFactory, PartnerFactory
from tests.payouts.conftest import profile_make, statement_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def anna_client(anna):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(anna.user)
    return client


def test_export_zip_has_json_csv_and_readme_of_the_partners_data(anna):
    profile_make(anna)
    statement_make(anna)
    OrderFactory(customer=CustomerFactory(email=anna.user.email), street="Hauptstr. 1")
    archive = zipfile.ZipFile(io.BytesIO(person_export(subject_kind="partner", subject_id=anna.pk)))
    names = set(archive.namelist())
    assert {
        "README.txt",
        "partners_partner.json",
        "partners_partner.csv",
        "payouts_payoutprofile.json",
        "orders_order.csv",
        "commissions_statement.json",
    } <= names
    partner = json.loads(archive.read("partners_partner.json"))
    assert partner[0]["first_name"] == "Anna"
    user = json.loads(archive.read("partners_user.json"))[0]
    assert "password" not in user
    assert "Hauptstr. 1" in archive.read("orders_order.csv").decode()
    assert "first_name" in archive.read("README.txt").decode()


def test_partner_exports_from_the_dashboard_and_downloads_with_the_link(
    anna, anna_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = anna_client.post("/dashboard/privacy/export/")
    assert response.status_code == 302
    job = ExportJob.objects.get(subject_kind="partner", subject_id=anna.pk)
    assert job.status == ExportJob.Status.DONE and job.progress == 100  # eager Celery
    page = anna_client.get("/dashboard/privacy/").content.decode()
    link = re.search(r'href="(/dashboard/privacy/export/[^"]+/)"', page).group(1)
    download = anna_client.get(link)
    assert download.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).namelist()


def test_download_link_is_for_the_subject_only_and_expires(
    anna, anna_client, admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        anna_client.post("/dashboard/privacy/export/")
    job = ExportJob.objects.get()
    url = f"/dashboard/privacy/export/{export_download_token(job=job)}/"
    other = Client()
    other.force_login(PartnerFactory().user)
    assert other.get(url).status_code == 404
    assert Client().get(url).status_code == 302  # sign in first
    staff = Client(HTTP_ACCEPT_LANGUAGE="en")
    staff.force_login(admin)
    assert staff.get(url).status_code == 200
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert anna_client.get(url).status_code == 404
    assert anna_client.get("/dashboard/privacy/export/forged/").status_code == 404


def test_partner_requests_erasure_with_password_and_admin_approves(anna, anna_client, admin):
    wrong = anna_client.post("/dashboard/privacy/", {"password": "nope"})
    assert wrong.status_code == 200 and "not correct" in wrong.content.decode()
    assert not ErasureRequest.objects.exists()
    anna_client.post("/dashboard/privacy/", {"password": "correct-horse-battery"})
    request = ErasureRequest.objects.get(subject_id=anna.pk)
    assert request.password_confirmed and request.status == "requested"
    assert Partner.objects.get(pk=anna.pk).first_name == "Anna"  # nothing before approval

    staff = Client(HTTP_ACCEPT_LANGUAGE="en")
    staff.force_login(admin)
    staff.post(
        "/admin/privacy/erasurerequest/", {"action": "approve", "_selected_action": [request.pk]}
    )
    request.refresh_from_db()
    assert request.status == "executed" and request.approved_by == admin
    assert Partner.objects.get(pk=anna.pk).first_name == "Gelöscht"
    assert anna_client.get("/dashboard/").status_code in (302, 403)


def test_admin_exports_and_erases_a_customer_by_email(admin, django_capture_on_commit_callbacks):
    customer = CustomerFactory(email="kai@example.org", first_name="Kai")
    staff = Client(HTTP_ACCEPT_LANGUAGE="en")
    staff.force_login(admin)
    url = "/admin/privacy/exportjob/by-email/"
    assert staff.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(url, {"subject_kind": "customer", "email": "KAI@example.org", "export": "1"})
    job = ExportJob.objects.get(subject_kind="customer", subject_id=customer.pk)
    assert job.status == ExportJob.Status.DONE
    assert "Download ZIP" in staff.get("/admin/privacy/exportjob/").content.decode()
    unknown = staff.post(url, {"subject_kind": "customer", "email": "nobody@example.org"})
    assert unknown.status_code == 200 and not ExportJob.objects.filter(subject_id=0).exists()
    staff.post(url, {"subject_kind": "customer", "email": "kai@example.org", "erase": "1"})
    request = ErasureRequest.objects.get(subject_kind="customer", subject_id=customer.pk)
    staff.post(
        "/admin/privacy/erasurerequest/", {"action": "approve", "_selected_action": [request.pk]}
    )
    customer.refresh_from_db()
    assert customer.email == f"erased-c{customer.pk}@invalid"


def test_only_admins_with_the_approve_permission_can_erase(anna):
    from django.contrib.auth.models import Permission
    from django.core.exceptions import ValidationError

    from privacy.services import erasure_request_approve, erasure_request_create

    request = erasure_request_create(partner=anna, password="correct-horse-battery")
    clerk = PartnerFactory().user
    clerk.is_staff = True
    clerk.save()
    clerk.user_permissions.add(Permission.objects.get(codename="view_erasurerequest"))
    staff = Client(HTTP_ACCEPT_LANGUAGE="en")
    staff.force_login(clerk)
    staff.post(
        "/admin/privacy/erasurerequest/", {"action": "approve", "_selected_action": [request.pk]}
    )
    assert Partner.objects.get(pk=anna.pk).first_name == "Anna"
    assert staff.get("/admin/privacy/exportjob/by-email/").status_code == 403
    with pytest.raises(ValidationError, match="administrator"):
        erasure_request_approve(request=request, actor=clerk)
