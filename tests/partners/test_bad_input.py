"""Bad input on the sign-up form gets a message, never a server error. PostgreSQL
refuses NUL characters in a query, so none may reach the database."""

import pytest
from django.db import connection

from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db


def test_a_nul_byte_in_the_sponsor_code_is_a_form_error_and_never_queried(client, signup_data):
    PartnerFactory(slug="anna")
    params_sent = []

    def spy(execute, sql, params, many, context):
        params_sent.append(repr(params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        response = client.post("/join/anna/", signup_data(sponsor="an\x00na"))
        signup_page = client.post("/accounts/signup/", signup_data(sponsor="an\x00na"))
    assert response.status_code == 200 and signup_page.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()
    assert not [p for p in params_sent if "\\x00" in p]
