import pytest

from tests.factories import GuardianFactory


def login(client, username, password="correct-horse-battery", next_url=""):
    return client.post("/leerkracht/inloggen/",
                       {"username": username, "password": password, "next": next_url})


def test_login_page_uses_the_dutch_labels(client, db):
    page = client.get("/leerkracht/inloggen/").content.decode()
    for label in ["Gebruikersnaam", "Wachtwoord", "Inloggen"]:
        assert label in page


def test_teacher_logs_in_with_a_new_session(client, teacher):
    client.get("/leerkracht/inloggen/")
    before = client.session.session_key
    response = login(client, "juf")
    assert response.status_code == 302 and response["Location"] == "/leerkracht/"
    assert client.session.session_key != before


def test_wrong_password_is_400_with_a_dutch_message(client, teacher):
    response = login(client, "juf", "fout")
    assert response.status_code == 400
    assert "horen niet bij elkaar" in response.content.decode()


def test_parents_cannot_use_the_teacher_door(client, db):
    GuardianFactory(username="ouder@example.nl")
    response = login(client, "ouder@example.nl")
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_ten_wrong_passwords_lock_the_teacher(client, teacher):
    for _ in range(10):
        login(client, "juf", "fout")
    response = login(client, "juf")
    assert response.status_code == 429
    assert "1 uur geblokkeerd" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("evil", ["https://evil.example/", "//evil.example/"])
def test_next_cannot_leave_the_site(client, teacher, evil):
    response = login(client, "juf", next_url=evil)
    assert response["Location"] == "/leerkracht/"
