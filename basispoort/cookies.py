"""Our own cookies, set one way: HttpOnly, SameSite=Lax, and on HTTPS Secure with the __Host-
prefix — the browser then accepts them only when Secure, for this exact host and path /, so no
sibling domain can plant or read one (docs/security.md)."""

from django.conf import settings


def cookie_name(name):
    return f"__Host-{name}" if settings.SESSION_COOKIE_SECURE else name


def set_cookie(response, name, value, *, max_age, salt=None):
    """Set cookie ``name`` on ``response``; signed with ``salt`` when one is given."""
    options = {"max_age": max_age, "httponly": True, "samesite": "Lax",
               "secure": settings.SESSION_COOKIE_SECURE}
    if salt is None:
        response.set_cookie(cookie_name(name), value, **options)
    else:
        response.set_signed_cookie(cookie_name(name), value, salt=salt, **options)
    return response


def get_signed_cookie(request, name, *, salt, max_age):
    """The value of our signed cookie ``name``, or None when absent, tampered with or too old."""
    return request.get_signed_cookie(cookie_name(name), default=None, salt=salt, max_age=max_age)


def delete_cookie(response, name):
    response.delete_cookie(cookie_name(name), samesite="Lax")
    return response
