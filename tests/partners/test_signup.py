"""Partner sign-up: invite link, sponsor code, landing page address, terms, e-mail."""

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import IntegrityError

from partners.models import Partner, User
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def anna(partner):
    return partner  # Anna Albers, slug "anna", a root partner


def test_invite_link_introduces_the_sponsor_and_prefills_the_code(client, anna):
    response = client.get("/join/anna/")

    html = response.content.decode()
    assert response.status_code == 200
    assert (
        "You are joining Anna Albers&#x27;s team" in html
        or "You are joining Anna Albers's team" in html
    )
    assert 'name="sponsor" value="anna"' in html
    assert ">AA<" in html  # initials avatar, there is no photo


def test_signup_through_invite_link_enrolls_partner_under_sponsor(client, anna, signup_data):
    response = client.post("/join/anna/", signup_data())

    assert response.status_code == 302
    assert response["Location"] == "/partner/welcome/"
    ben = Partner.objects.select_related("user").get(slug="ben-berger")
    assert ben.sponsor == anna
    assert ben.path == f"{anna.pk}." and ben.depth == 1
    assert ben.user.email == "ben@example.com"
    assert (ben.first_name, ben.last_name) == ("Ben", "Berger")
    assert ben.terms_accepted_at is not None
    assert ben.terms_version == settings.PARTNER_TERMS_VERSION
    assert ben.user.check_password(signup_data()["password1"])
    assert EmailAddress.objects.filter(
        user=ben.user, email="ben@example.com", primary=True
    ).exists()


def test_new_partner_lands_on_welcome_page_with_address_and_invite_link(client, anna, signup_data):
    response = client.post("/join/anna/", signup_data(), follow=True)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Welcome to the team, Ben!" in html
    assert f"{settings.SITE_URL}/ben-berger/" in html
    assert f"{settings.SITE_URL}/join/ben-berger/" in html
    assert "<svg" in html  # QR code of the invite link
    assert 'href="/dashboard/"' in html


def test_sponsor_code_typed_on_the_plain_signup_page_works(client, anna, signup_data):
    response = client.post("/accounts/signup/", signup_data(sponsor="  ANNA "))

    assert response.status_code == 302
    assert Partner.objects.get(slug="ben-berger").sponsor == anna


def test_sponsor_from_invite_link_is_remembered_for_the_visit(client, anna):
    client.get("/join/anna/")

    html = client.get("/accounts/signup/").content.decode()

    assert 'name="sponsor" value="anna"' in html
    assert "You are joining Anna Albers" in html


def test_sponsor_stays_changeable_on_the_invite_page(client, anna, signup_data):
    clara = PartnerFactory(slug="clara", first_name="Clara", last_name="Conrad")

    response = client.post("/join/anna/", signup_data(sponsor="clara"))

    assert response.status_code == 302
    assert Partner.objects.get(slug="ben-berger").sponsor == clara


def test_uppercase_address_is_stored_lowercase(client, anna, signup_data):
    client.post("/join/anna/", signup_data(slug="Ben-Berger"))

    assert Partner.objects.filter(slug="ben-berger").exists()


@pytest.mark.parametrize(
    ("wish", "message"),
    [
        ("ab", "The address must be 3 to 40 characters long (it has 2)."),
        ("a" * 41, "The address must be 3 to 40 characters long (it has 41)."),
        ("ben berger", "Use only lowercase letters a-z, digits and hyphens"),
        ("jürgen", "Use only lowercase letters a-z, digits and hyphens"),
        ("ben_berger", "Use only lowercase letters a-z, digits and hyphens"),
        ("-ben", "The address may not start or end with a hyphen."),
        ("ben-", "The address may not start or end with a hyphen."),
        ("admin", "“admin” is reserved for the website itself."),
        ("dashboard", "“dashboard” is reserved for the website itself."),
        ("join", "“join” is reserved for the website itself."),
    ],
)
def test_bad_address_is_refused_with_the_broken_rule(client, anna, signup_data, wish, message):
    users_before = User.objects.count()

    response = client.post("/join/anna/", signup_data(slug=wish))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert User.objects.count() == users_before
    assert not Partner.objects.filter(user__email="ben@example.com").exists()


def test_bad_address_gets_a_valid_free_suggestion(client, anna, signup_data):
    response = client.post("/join/anna/", signup_data(slug="Jürgen Müller"))

    assert "How about “juergen-mueller”?" in response.content.decode()


def test_reserved_word_gets_a_suggestion_that_is_not_reserved(client, anna, signup_data):
    response = client.post("/join/anna/", signup_data(slug="shop"))

    assert "How about “shop-partner”?" in response.content.decode()


def test_taken_address_is_refused_with_a_free_variant(client, anna, signup_data):
    response = client.post("/join/anna/", signup_data(slug="anna"))

    assert "“anna” is already taken. How about “anna-2”?" in response.content.decode()
    assert not User.objects.filter(email="ben@example.com").exists()


def test_taken_address_suggestion_skips_variants_that_are_taken_too(client, anna, signup_data):
    PartnerFactory(slug="anna-2")

    response = client.post("/join/anna/", signup_data(slug="ANNA"))

    assert "“anna” is already taken. How about “anna-3”?" in response.content.decode()


def test_unknown_sponsor_code_is_refused(client, anna, signup_data):
    response = client.post("/accounts/signup/", signup_data(sponsor="nobody"))

    assert response.status_code == 200
    assert "No active partner has the code “nobody”" in response.content.decode()
    assert not User.objects.filter(email="ben@example.com").exists()


@pytest.mark.parametrize("status", [Partner.Status.INACTIVE, Partner.Status.TERMINATED])
def test_sponsor_who_is_not_active_cannot_enroll(client, anna, signup_data, status):
    Partner.objects.filter(pk=anna.pk).update(status=status)

    response = client.post("/accounts/signup/", signup_data(sponsor="anna"))

    assert "No active partner has the code “anna”" in response.content.decode()
    assert not User.objects.filter(email="ben@example.com").exists()


def test_signup_without_sponsor_is_refused(client, anna, signup_data):
    response = client.post("/accounts/signup/", signup_data(sponsor=""))

    assert "You can only join through a partner." in response.content.decode()
    assert not User.objects.filter(email="ben@example.com").exists()


def test_plain_signup_page_explains_that_joining_needs_a_sponsor(client, db):
    html = client.get("/accounts/signup/").content.decode()

    assert "You join through a partner" in html
    assert 'name="sponsor"' in html


def test_terms_must_be_accepted(client, anna, signup_data):
    response = client.post("/join/anna/", signup_data(accept_terms=None))

    assert "Please accept the partner terms to join." in response.content.decode()
    assert not User.objects.filter(email="ben@example.com").exists()


def test_duplicate_email_gets_a_clear_message_and_no_second_account(client, anna, signup_data):
    users_before = User.objects.count()

    response = client.post("/join/anna/", signup_data(email="  ANNA@example.com "))

    html = response.content.decode()
    assert response.status_code == 200
    assert "An account with this e-mail address exists already." in html
    assert "reset your password" in html
    assert User.objects.count() == users_before
    assert not Partner.objects.filter(slug="ben-berger").exists()


def test_duplicate_email_with_mandatory_verification_creates_no_second_account(
    client, anna, signup_data, settings, mailoutbox
):
    # With mandatory verification allauth hides that the address exists: it shows
    # "check your inbox" and writes to the owner instead of creating an account.
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    users_before = User.objects.count()

    response = client.post("/join/anna/", signup_data(email="anna@example.com"))

    assert response.status_code == 302
    assert User.objects.count() == users_before
    assert not Partner.objects.filter(slug="ben-berger").exists()
    assert [m.to for m in mailoutbox] == [["anna@example.com"]]


def test_address_taken_in_a_race_leaves_no_account_behind(client, anna, signup_data, monkeypatch):
    # Given the form saw "anna" as free, but another sign-up stored it a moment later
    monkeypatch.setattr("partners.forms.slug_is_taken", lambda slug: False)
    monkeypatch.setattr("partners.services.slug_validate", lambda slug: slug)

    response = client.post("/join/anna/", signup_data(slug="anna"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "This address was just taken. Please choose another." in html
    assert 'name="slug"' in html  # the form is shown again
    assert not User.objects.filter(email="ben@example.com").exists()
    assert not EmailAddress.objects.filter(email="ben@example.com").exists()
    assert "_auth_user_id" not in client.session


def test_email_stored_by_a_parallel_request_gives_the_email_message(
    client, anna, signup_data, monkeypatch
):
    # Given the form saw the address as free, but a double click stored it a moment later
    monkeypatch.setattr(
        "allauth.account.internal.flows.manage_email.assess_unique_email", lambda *a, **k: True
    )
    users_before = User.objects.count()

    response = client.post("/join/anna/", signup_data(email="anna@example.com"))

    assert response.status_code == 200
    assert "An account with this e-mail address exists already." in response.content.decode()
    assert User.objects.count() == users_before
    assert not Partner.objects.filter(slug="ben-berger").exists()


def test_database_error_during_enrollment_rolls_back_the_user(
    client, anna, signup_data, monkeypatch
):
    def broken_enroll(**kwargs):
        raise IntegrityError("boom")

    monkeypatch.setattr("partners.adapters.partner_enroll", broken_enroll)

    with pytest.raises(IntegrityError):
        client.post("/join/anna/", signup_data())

    assert not User.objects.filter(email="ben@example.com").exists()


@pytest.mark.parametrize("status", [None, Partner.Status.INACTIVE, Partner.Status.TERMINATED])
def test_invite_link_of_unknown_or_departed_partner_is_a_friendly_404(client, anna, status):
    if status:
        Partner.objects.filter(pk=anna.pk).update(status=status)
    url = "/join/anna/" if status else "/join/nobody/"

    response = client.get(url)

    assert response.status_code == 404
    html = response.content.decode()
    assert "This invite link does not work" in html
    assert "I have a partner code" in html


def test_welcome_page_needs_a_signed_in_user(client, db):
    response = client.get("/partner/welcome/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_address_check_reports_free_and_taken_addresses(client, anna):
    free = client.get("/partner/slug-check/", {"slug": "Ben-Berger"}).json()
    taken = client.get("/partner/slug-check/", {"slug": "anna"}).json()
    broken = client.get("/partner/slug-check/", {"slug": "-x"}).json()

    assert free == {
        "slug": "ben-berger",
        "available": True,
        "problems": [],
        "taken": False,
        "suggestion": "",
    }
    assert (
        taken["available"] is False and taken["taken"] is True and taken["suggestion"] == "anna-2"
    )
    assert broken["available"] is False and len(broken["problems"]) == 2


def test_address_check_answers_htmx_with_a_status_line(client, anna):
    response = client.get("/partner/slug-check/", {"slug": "anna"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert "“anna” is already taken." in html
    assert 'data-use-slug="anna-2"' in html


def test_after_sign_up_one_message_is_shown_not_two(client, anna, signup_data):
    response = client.post("/join/anna/", signup_data(), follow=True)

    shown = [str(m) for m in response.context["messages"]]
    assert len(shown) == 1, shown
    assert "signed in" not in shown[0].lower()
