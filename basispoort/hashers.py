from django.contrib.auth.hashers import Argon2PasswordHasher, PBKDF2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    """Argon2id with RFC 9106's second recommended option: 3 passes over 64 MiB, 4 lanes.

    About 0.16 s of CPU per check on the reference machine (bench/RESULTS.md), for parents' and
    teachers' real passwords only; PINs use the keyed hash in basispoort/hashing.py. The
    algorithm name stays "argon2", so hashes made with Django's defaults still verify and are
    re-hashed with these parameters at the next login (Django's must_update).
    """

    time_cost = 3
    memory_cost = 65536  # KiB
    parallelism = 4


class ClientSecretHasher(PBKDF2PasswordHasher):
    """For publishers' OAuth client secrets only (django-oauth-toolkit's CLIENT_SECRET_HASHER).

    A client secret is 128 random characters made by the toolkit, not a password a person chose:
    nobody can guess it, so a slow hash protects nothing and would cost 0.15 s of CPU on every
    token exchange. A thousand PBKDF2 rounds keep it stored hashed, at about a millisecond.
    """

    algorithm = "pbkdf2_sha256_client_secret"
    iterations = 1000
