"""Exports meet erasure and repetition: an erased person's ZIPs go with them,
and nobody can have their data built over and over."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from privacy.models import ExportJob, private_storage
from privacy.selectors import export_download_token
from privacy.services import export_job_build, export_job_create, person_erase
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def anna_client(anna):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(anna.user)
    return client


def export_of(person, kind, by, capture):
    with capture(execute=True):
        job = export_job_create(subject_kind=kind, subject_id=person.pk, requested_by=by)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE
    return job


def test_erasing_a_partner_deletes_their_export_and_its_link_stops_working(
    anna, admin, django_capture_on_commit_callbacks
):
    own = CustomerFactory(email=anna.user.email)
    OrderFactory(customer=own)
    job = export_of(anna, "partner", anna.user, django_capture_on_commit_callbacks)
    own_job = export_of(own, "customer", admin, django_capture_on_commit_callbacks)
    files = [job.file.name, own_job.file.name]
    assert all(private_storage.exists(name) for name in files)
    url = f"/dashboard/privacy/export/{export_download_token(job=job)}/"
    staff = Client()
    staff.force_login(admin)
    assert staff.get(url).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        person_erase(subject_kind="partner", subject_id=anna.pk, actor=admin)

    assert not any(private_storage.exists(name) for name in files)
    assert staff.get(url).status_code == 404
    assert not ExportJob.objects.exclude(file="").exists()


def test_an_export_still_being_built_at_the_erasure_writes_no_file(
    admin, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(email="kai@example.org")
    job = export_job_create(subject_kind="customer", subject_id=customer.pk, requested_by=admin)
    with django_capture_on_commit_callbacks(execute=True):
        person_erase(subject_kind="customer", subject_id=customer.pk, actor=admin)
    export_job_build(job_id=job.pk)  # the worker picks it up late
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and not job.file


def test_one_export_at_a_time_and_one_a_day_per_person(
    anna, anna_client, django_capture_on_commit_callbacks, settings
):
    export_job_create(subject_kind="partner", subject_id=anna.pk, requested_by=anna.user)
    with pytest.raises(ValidationError, match="being prepared already"):
        export_job_create(subject_kind="partner", subject_id=anna.pk, requested_by=anna.user)
    job = ExportJob.objects.get()
    export_job_build(job_id=job.pk)

    response = anna_client.post("/dashboard/privacy/export/", follow=True)
    assert "the next export can be asked for from" in response.content.decode()
    assert ExportJob.objects.count() == 1

    ExportJob.objects.update(created_at=timezone.now() - timedelta(hours=25))
    export_job_create(subject_kind="partner", subject_id=anna.pk, requested_by=anna.user)
    assert ExportJob.objects.count() == 2
