from unittest import mock

from django.db import DatabaseError


def test_health_is_ok_when_database_and_cache_answer(client, db):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_health_is_503_when_the_database_is_down(client, db):
    with mock.patch("basispoort.health.connection.cursor", side_effect=DatabaseError):
        response = client.get("/health/")
    assert response.status_code == 503 and response.json()["database"] == "error"


def test_health_stays_200_when_only_the_cache_fails(client, db):
    # Pages work without the cache; a load balancer must not take every server out.
    with mock.patch("basispoort.health.cache.set", side_effect=ConnectionError):
        response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "error"}
