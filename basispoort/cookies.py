from django.conf import settings


def cookie_name(name):
    """Our own cookies carry the __Host- prefix on HTTPS: the browser then accepts them only
    when Secure, for this exact host and path /, so no sibling domain can plant or read one."""
    return f"__Host-{name}" if settings.SESSION_COOKIE_SECURE else name
