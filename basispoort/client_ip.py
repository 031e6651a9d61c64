import ipaddress

from django.conf import settings


def client_ip(request):
    """The client's address, as django-axes, the throttles and the audit log see it.

    Behind TRUSTED_PROXY_COUNT proxies, each proxy appends the address it received the request
    from to X-Forwarded-For, so the client is the TRUSTED_PROXY_COUNT-th entry from the right;
    anything to the left of it was written by the client and is ignored. Without trusted proxies
    (the default) only the socket's address counts, so a forged header changes nothing.
    """
    trusted = settings.TRUSTED_PROXY_COUNT
    if trusted:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [hop for hop in hops if hop]
        if len(hops) >= trusted:
            try:
                return str(ipaddress.ip_address(hops[-trusted]))
            except ValueError:
                pass
    return request.META.get("REMOTE_ADDR")
