from basispoort.hashing import needs_rehash


class HomeCodeBackend:
    """Checks the secret half of a home login code: ``authenticate(request, username=<the
    client address's code key>, gate="code", home_code=<HomeLoginCode found by selector, or
    None>, verifier="2XPA9FHT")``.

    Returns the pupil's User on a match, but nobody is logged in by it: a correct code only
    lets this device show the pupil's tile. Going through authenticate() is what lets
    django-axes count wrong codes against the client's address (basispoort/lockout.py).
    """

    def authenticate(self, request, home_code=None, verifier=None, **credentials):
        if home_code is None or verifier is None:
            return None
        if home_code.revoked_at is None and home_code.check_verifier(verifier):
            if needs_rehash(home_code.verifier_hash):  # made under an older key: move it
                home_code.set_verifier(verifier)
                home_code.save(update_fields=["verifier_hash"])
            return home_code.pupil.user
        return None

    def get_user(self, user_id):
        return None  # never used for sessions


class RescueCodeBackend:
    """Checks a rescue code: ``authenticate(request, username=<the client address's code key>,
    gate="code", rescue_code=<the live RescueCode whose hash matched what was typed, or None>)``.
    Like a card code it logs nobody in, and a wrong, used or expired code counts against the
    client's address on the same counter as wrong card codes (basispoort/lockout.py)."""

    def authenticate(self, request, rescue_code=None, **credentials):
        if rescue_code is None or not type(rescue_code).objects.live().filter(pk=rescue_code.pk).exists():
            return None
        return rescue_code.pupil.user

    def get_user(self, user_id):
        return None  # never used for sessions
