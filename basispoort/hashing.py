"""Keyed hash for short secrets: PINs, picture passwords, home login code verifiers, device tokens.

A 4-digit PIN has 10,000 values, so a slow hash buys nothing: anyone holding the stored value
would try them all in seconds anyway. What protects it is a key that is not in the database
(SECRET_HASH_KEYS, from the environment) and the lockout after 10 failures. HMAC-SHA256 costs
microseconds, so the 08:30 login storm needs no extra cores.

Stored form: ``hmac-sha256$<key id>$<salt>$<hex digest>``. The salt keeps two equal PINs from
having equal hashes; lookups by hash (device tokens) pass ``salt=""``. Keys rotate: new hashes use
the first key, older key ids still verify until they are removed from the setting.
"""

import base64
import binascii
import hashlib
import hmac
import secrets
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ALGORITHM = "hmac-sha256"


@cache
def parse_hash_keys(raw):
    """(current key id, {key id: key}) from the SECRET_HASH_KEYS setting."""
    keys = {}
    for item in raw.split(","):
        key_id, sep, encoded = item.strip().partition(":")
        try:
            key = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            key = b""
        if not sep or not key_id.isalnum() or len(key) < 16:
            raise ImproperlyConfigured(
                "SECRET_HASH_KEYS must look like 'id:base64key[,oldid:base64key]' "
                "with keys of at least 16 bytes."
            )
        keys[key_id] = key
    return next(iter(keys)), keys


def _keys():
    return parse_hash_keys(settings.SECRET_HASH_KEYS)


def _digest(key, purpose, salt, value):
    message = f"{purpose}\x00{salt}\x00{value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def make_secret_hash(value, *, purpose, salt=None):
    """Hash ``value`` for ``purpose`` (e.g. "pin") with the current key."""
    key_id, keys = _keys()
    if salt is None:
        salt = secrets.token_hex(8)
    return f"{ALGORITHM}${key_id}${salt}${_digest(keys[key_id], purpose, salt, value)}"


def secret_hash_candidates(value, *, purpose, salt=""):
    """``value``'s hash under every configured key, newest first: for looking a row up by its
    hash (device tokens) when it may have been stored under an older key."""
    _current, keys = _keys()
    return [f"{ALGORITHM}${key_id}${salt}${_digest(key, purpose, salt, value)}"
            for key_id, key in keys.items()]


def make_short_hash(value, *, purpose, length):
    """``value``'s keyed hash in ``length`` characters, for a column that holds no more (the
    second step's recovery codes): "<key id>$<first hex digits of the digest>". No salt: such a
    value is looked up by its hash (short_hash_candidates)."""
    return short_hash_candidates(value, purpose=purpose, length=length)[0]


def short_hash_candidates(value, *, purpose, length):
    """make_short_hash() of ``value`` under every configured key, newest first, and then the
    bare first ``length`` hex digits under each key (the form made before the key id was kept)."""
    _current, keys = _keys()
    digests = {key_id: _digest(key, purpose, "", value) for key_id, key in keys.items()}
    return ([f"{key_id}${digest[:length - len(key_id) - 1]}" for key_id, digest in digests.items()]
            + [digest[:length] for digest in digests.values()])


def short_hash_key_id(stored):
    """The key id of a make_short_hash() value; None for the bare form without one."""
    key_id, sep, _digest_part = (stored or "").partition("$")
    return key_id if sep else None


def check_secret_hash(value, encoded, *, purpose):
    """True when ``value`` matches ``encoded``; False for any malformed or unknown-key hash."""
    try:
        algorithm, key_id, salt, digest = encoded.split("$")
    except (AttributeError, ValueError):
        return False
    keys = _keys()[1]
    if algorithm != ALGORITHM or key_id not in keys:
        return False
    return hmac.compare_digest(digest, _digest(keys[key_id], purpose, salt, value))


def hash_key_id(encoded):
    """The id of the key ``encoded`` was made with, or None when it is no keyed hash."""
    algorithm, _sep, rest = (encoded or "").partition("$")
    key_id = rest.partition("$")[0]
    return key_id if algorithm == ALGORITHM and key_id else None


def hash_key_ids():
    """The configured key ids, newest first."""
    return list(_keys()[1])


def needs_rehash(encoded):
    """True when ``encoded`` was made with an older key (rehash it after a successful check)."""
    return not encoded.startswith(f"{ALGORITHM}${_keys()[0]}$")
