from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model

from partners.models import Partner
from tests.factories import PartnerFactory

HEADER = [
    "external_id",
    "email",
    "first_name",
    "last_name",
    "slug",
    "sponsor_external_id",
    "joined_at",
    "status",
]

pytestmark = pytest.mark.django_db


def row(ext, sponsor="", **kw):
    values = {
        "external_id": ext,
        "email": f"{ext}@example.com",
        "first_name": ext.capitalize(),
        "last_name": "Muster",
        "slug": "",
        "sponsor_external_id": sponsor,
    }
    values.update(kw)
    return values


def snapshot():
    return sorted(
        Partner.objects.values_list(
            "external_id", "slug", "sponsor__external_id", "path", "depth", "status", "user__email"
        )
    )


def test_sponsor_further_down_the_file_is_enrolled_first_with_right_path(csv_file, run):
    # given a file that names sponsors before their rows
    path = csv_file(
        HEADER, [row("dora", "ben"), row("ben", "anna"), row("anna"), row("clara", "anna")]
    )
    # when it is imported
    out = run("import_partners", path)
    # then every partner sits under the right sponsor, with path and depth as enrollment makes them
    assert "Imported 4 partner(s)" in out
    anna, ben, dora = (Partner.objects.get(external_id=e) for e in ("anna", "ben", "dora"))
    assert anna.sponsor is None and anna.path == "" and anna.depth == 0
    assert ben.sponsor == anna and ben.path == f"{anna.pk}." and ben.depth == 1
    assert dora.sponsor == ben and dora.path == f"{anna.pk}.{ben.pk}." and dora.depth == 2
    assert dora.descendants_prefix.startswith(ben.descendants_prefix)


def test_imported_partners_have_no_usable_password_and_can_claim_by_reset(csv_file, run):
    run("import_partners", csv_file(HEADER, [row("anna", email=" Anna@Example.COM ")]))
    user = get_user_model().objects.get()
    assert user.email == "anna@example.com"
    assert not user.has_usable_password()
    assert user.partner.first_name == "Anna"


def test_sponsor_already_imported_before_is_found(csv_file, run):
    # given anna imported in an earlier file and enrolled with children
    run("import_partners", csv_file(HEADER, [row("anna")]))
    anna = Partner.objects.get(external_id="anna")
    # when a second file hangs ben under her
    run("import_partners", csv_file(HEADER, [row("ben", "anna")]))
    ben = Partner.objects.get(external_id="ben")
    assert ben.sponsor == anna and ben.path == f"{anna.pk}." and ben.depth == 1


def test_imported_partner_fits_into_an_existing_deep_genealogy(csv_file, run, chain):
    line = chain(3)
    Partner.objects.filter(pk=line[-1].pk).update(external_id="deep")
    deep = Partner.objects.get(external_id="deep")
    run("import_partners", csv_file(HEADER, [row("kid", "deep")]))
    kid = Partner.objects.get(external_id="kid")
    assert kid.path == deep.descendants_prefix and kid.depth == 4


def test_empty_slug_is_made_from_the_name_and_kept_unique(csv_file, run):
    # given an existing partner with slug juergen-mueller and a file slug taking juergen-mueller-2
    PartnerFactory(slug="juergen-mueller")
    path = csv_file(
        HEADER,
        [
            row("a", first_name="Jürgen", last_name="Müller"),
            row("b", first_name="Jürgen", last_name="Müller"),
            row("c", slug="juergen-mueller-2"),
            row("d", first_name="Ömer", last_name="Çelik"),
        ],
    )
    run("import_partners", path)
    slugs = dict(Partner.objects.filter(external_id__in="abcd").values_list("external_id", "slug"))
    assert slugs["c"] == "juergen-mueller-2"
    assert {slugs["a"], slugs["b"]} == {"juergen-mueller-3", "juergen-mueller-4"}
    assert slugs["d"] == "oemer-celik"


def test_joined_at_status_and_bom_are_read(csv_file, run):
    path = csv_file(
        HEADER,
        [
            row("anna", joined_at="2020-03-01", status="inactive"),
            row("ben", "anna", joined_at="2021-05-06T07:08:09+00:00", status="terminated"),
        ],
        bom=True,
    )
    run("import_partners", path)
    anna, ben = Partner.objects.get(external_id="anna"), Partner.objects.get(external_id="ben")
    assert anna.joined_at == datetime(2020, 3, 1, tzinfo=ZoneInfo("Europe/Berlin"))
    assert ben.joined_at == datetime(2021, 5, 6, 7, 8, 9, tzinfo=ZoneInfo("UTC"))
    assert (anna.status, ben.status) == ("inactive", "terminated")


def test_column_order_is_free_and_optional_columns_may_be_left_out(csv_file, run):
    path = csv_file(
        ["last_name", "first_name", "email", "external_id"],
        [["Albers", "Anna", "anna@example.com", "anna"]],
    )
    run("import_partners", path)
    anna = Partner.objects.get()
    assert (anna.external_id, anna.full_name, anna.slug, anna.status) == (
        "anna",
        "Anna Albers",
        "anna-albers",
        "active",
    )


def test_every_bad_row_is_listed_with_line_and_column_and_nothing_is_written(csv_file, run):
    PartnerFactory(slug="taken", email="exists@example.com")
    path = csv_file(
        HEADER,
        [
            row("anna"),  # line 2 ok
            row("bad-mail", email="not-an-email"),  # line 3
            row("anna", email="anna2@example.com"),  # line 4 duplicate external_id
            row("ben", email="ANNA@example.com"),  # line 5 duplicate e-mail (case-insensitive)
            row("carl", "nobody"),  # line 6 unknown sponsor
            row("x", "y"),  # line 7 cycle
            row("y", "x"),  # line 8 cycle
            row("dora", status="sleeping"),  # line 9 bad status
            row("emil", slug="Bad Slug!"),  # line 10 bad slug
            row("finn", slug="admin"),  # line 11 reserved slug
            row("gina", email="exists@example.com"),  # line 12 e-mail in the database
            row("hugo", slug="taken"),  # line 13 slug in the database
            row("ida", joined_at="yesterday"),  # line 14 bad date
            row("jan", first_name=""),  # line 15 missing value
            row("self", "self"),  # line 16 own sponsor
        ],
    )
    error = run.refused("import_partners", path)
    expected = [
        "line 3, column email: “not-an-email” is not a valid e-mail address.",
        "line 4, column external_id: “anna” appears twice in the file (first on line 2).",
        "line 5, column email: anna@example.com appears twice in the file (first on line 2).",
        "line 6, column sponsor_external_id: sponsor “nobody” is neither in this file nor imported before.",
        "line 7, column sponsor_external_id: sponsors form a cycle: x (line 7) → y (line 8) → x (line 7).",
        "line 8, column sponsor_external_id: sponsors form a cycle: x (line 7) → y (line 8) → x (line 7).",
        "line 9, column status: “sleeping” is not a status; use one of: active, inactive, terminated.",
        "line 10, column slug: Use only lowercase letters",
        "line 11, column slug: “admin” is reserved for the website itself.",
        "line 12, column email: an account with exists@example.com exists already.",
        "line 13, column slug: “taken” is already taken by another partner.",
        "line 14, column joined_at: “yesterday” is not an ISO 8601 date",
        "line 15, column first_name: a value is required.",
        "line 16, column sponsor_external_id: a partner cannot be their own sponsor.",
    ]
    for message in expected:
        assert message in error
    assert error.startswith("14 problem(s)")
    assert Partner.objects.filter(external_id__isnull=False).count() == 0
    assert get_user_model().objects.count() == 1


def test_unknown_column_is_refused(csv_file, run):
    error = run.refused("import_partners", csv_file(HEADER + ["phone"], [row("anna", phone="123")]))
    assert "line 1: unknown column(s) “phone”" in error
    assert not Partner.objects.exists()


def test_missing_required_column_is_refused(csv_file, run):
    error = run.refused(
        "import_partners",
        csv_file(["external_id", "email", "first_name"], [["a", "a@example.com", "A"]]),
    )
    assert "line 1: required column(s) missing: “last_name”." in error


def test_row_with_wrong_number_of_values_is_reported(csv_file, run, tmp_path):
    path = tmp_path / "short.csv"
    path.write_text(
        "external_id,email,first_name,last_name\nanna,anna@example.com,Anna\n", encoding="utf-8"
    )
    error = run.refused("import_partners", path)
    assert "line 2: expected 4 values like the header, found 3." in error


def test_file_that_is_not_utf8_is_refused_with_the_line(run, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        "external_id,email,first_name,last_name\nj,j@example.com,Jürgen,Müller\n".encode("latin-1")
    )
    error = run.refused("import_partners", path)
    assert "line 2: this line is not valid UTF-8." in error
    assert not Partner.objects.exists()


def test_reimporting_the_same_file_changes_nothing(csv_file, run):
    path = csv_file(
        HEADER,
        [
            row("dora", "ben"),
            row("ben", "anna"),
            row("anna", joined_at="2020-01-01", status="inactive"),
        ],
    )
    run("import_partners", path)
    before = snapshot()
    out = run("import_partners", path)
    assert "Imported 0 partner(s); 3 already imported and unchanged" in out
    assert snapshot() == before
    assert get_user_model().objects.count() == 3


def test_reimport_with_other_data_is_refused(csv_file, run):
    run("import_partners", csv_file(HEADER, [row("anna"), row("ben", "anna")]))
    error = run.refused(
        "import_partners", csv_file(HEADER, [row("anna", last_name="Neu"), row("ben", "")])
    )
    assert (
        "line 2, column external_id: “anna” was already imported with other data (last_name differ)"
        in error
    )
    assert (
        "line 3, column external_id: “ben” was already imported with other data (sponsor_external_id differ)"
        in error
    )
    assert Partner.objects.get(external_id="anna").last_name == "Muster"


def test_file_adding_new_partners_to_an_earlier_import_adds_only_them(csv_file, run):
    run("import_partners", csv_file(HEADER, [row("anna")]))
    out = run("import_partners", csv_file(HEADER, [row("anna"), row("ben", "anna")]))
    assert "Imported 1 partner(s); 1 already imported and unchanged" in out


def test_imported_partner_claims_the_account_by_forgot_password(csv_file, run, client, mailoutbox):
    # given an imported partner without password
    run("import_partners", csv_file(HEADER, [row("anna")]))
    # when she asks for a password reset
    response = client.post("/accounts/password/reset/", {"email": "anna@example.com"})
    # then she gets the e-mail with the link to set one
    assert response.status_code in (200, 302)
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["anna@example.com"]


def test_progress_is_shown_on_the_terminal(csv_file, capsys):
    from django.core.management import call_command

    call_command("import_partners", str(csv_file(HEADER, [row("anna")])))
    err = capsys.readouterr().err
    assert "checking partners" in err and "writing partners" in err


def test_an_imported_partner_gets_the_values_partner_enroll_gives(csv_file, run, db):
    # given a sponsor, one partner enrolled live under her and one imported under her
    from partners.models import Partner
    from partners.services import partner_enroll
    from tests.factories import PartnerFactory

    PartnerFactory(slug="anna", email="anna@example.com", external_id="P-anna")
    anna = Partner.objects.get(slug="anna")
    live = partner_enroll(
        email=" Ben@Example.com",
        first_name="Ben",
        last_name="B",
        slug="ben-live",
        sponsor=anna,
        joined_at=anna.joined_at,
    )
    path = csv_file(
        ["external_id", "email", "first_name", "last_name", "slug", "sponsor_external_id"],
        [["P-ben", "Ben2@Example.com", "Ben", "B", "Ben-Import", "P-anna"]],
    )
    run("import_partners", path)
    imported = Partner.objects.select_related("user").get(external_id="P-ben")
    # then path, depth, status, slug and e-mail follow the same rules
    assert (imported.path, imported.depth, imported.status) == (live.path, live.depth, live.status)
    assert imported.slug == "ben-import" and imported.user.email == "ben2@example.com"
    assert live.user.email == "ben@example.com"
