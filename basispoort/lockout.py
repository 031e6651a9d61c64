"""What a locked-out person sees (django-axes' AXES_LOCKOUT_CALLABLE).

Login views render their own lockout message in context (the PIN pad says "Je account is even op
slot"), with status 429; that response is kept. Anything else gets a plain Dutch page.
"""

from django.shortcuts import render


def lockout_response(request, original_response=None, credentials=None):
    if original_response is not None and original_response.status_code == 429:
        return original_response
    return render(request, "lockout.html", status=429)
