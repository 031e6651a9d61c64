def test_home_page_is_dutch_with_the_pupils_block(client, db):
    response = client.get("/")
    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="nl" dir="ltr">' in page
    assert "Leerlingen" in page
    assert "Ik heb een thuis login code" in page
    assert 'href="/thuis/"' in page


def test_language_switch_to_english(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    page = response.content.decode()
    assert '<html lang="en" dir="ltr">' in page
    assert "I have a home login code" in page
    assert "Ik heb een thuis login code" not in page


def test_every_page_has_security_headers(client, db):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp and "base-uri 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_dutch_even_when_the_browser_asks_for_english(client, db):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="nl" dir="ltr">' in response.content.decode()
    assert response["Content-Language"] == "nl"
