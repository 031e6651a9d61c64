import hashlib

from django.db import models


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


class DemoPublisherSession(models.Model):
    """The demo publisher's own login session, apart from Basispoort's: a publisher keeps its own
    (on its own site), and Basispoort's back-channel logout ends it. Found by a random token in
    the publisher's own cookie (only its hash is kept); remembers Basispoort's ``sid`` and
    ``sub`` so a logout token finds it."""

    slug = models.SlugField()
    token_hash = models.CharField(max_length=64, unique=True)
    sid = models.CharField(max_length=64, blank=True, db_index=True)
    sub = models.CharField(max_length=64, db_index=True)
    claims = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.slug}: {self.sub[:8]}…"
