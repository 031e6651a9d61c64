from django.contrib.auth.hashers import Argon2PasswordHasher


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
