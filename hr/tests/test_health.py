"""/helse/ answers "ok" to anyone, without a query, and is never cached."""

import pytest
from django.test import Client


@pytest.mark.django_db
def test_health_answers_ok_without_a_query(client: Client, django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        response = client.get("/helse/")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"]
    assert "sessionid" not in response.cookies


@pytest.mark.django_db
def test_health_refuses_a_post(client: Client) -> None:
    assert client.post("/helse/").status_code == 405
