"""The pictures of picture passwords and of name tiles: a slug (the SVG in static/img/pictures/
or static/img/tiles/) and the Dutch name a screen reader and the read-aloud button say.

The two sets share no picture: a name tile is on screen for the whole class, so a tile showing
a password picture would give part of that password away. The order of the password pictures is
fixed: a school whose grid holds 12 pictures shows the first 12."""

import secrets
from functools import cache

from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _

PICTURES = {
    "appel": _("appel"),
    "hond": _("hond"),
    "fiets": _("fiets"),
    "banaan": _("banaan"),
    "kat": _("kat"),
    "auto": _("auto"),
    "peer": _("peer"),
    "vis": _("vis"),
    "boot": _("boot"),
    "aardbei": _("aardbei"),
    "uil": _("uil"),
    "trein": _("trein"),
    "kers": _("kers"),
    "olifant": _("olifant"),
    "vliegtuig": _("vliegtuig"),
    "druiven": _("druiven"),
    "konijn": _("konijn"),
    "raket": _("raket"),
}

# The name tiles' own set.
TILE_PICTURES = {
    "zon": _("zon"),
    "maan": _("maan"),
    "ster": _("ster"),
    "bloem": _("bloem"),
    "boom": _("boom"),
    "huis": _("huis"),
    "bal": _("bal"),
    "vlinder": _("vlinder"),
    "paraplu": _("paraplu"),
    "hart": _("hart"),
    "wolk": _("wolk"),
    "regenboog": _("regenboog"),
    "schildpad": _("schildpad"),
    "eend": _("eend"),
    "kikker": _("kikker"),
    "pinguin": _("pinguïn"),
    "ballon": _("ballon"),
    "taart": _("taart"),
    "paddenstoel": _("paddenstoel"),
    "bij": _("bij"),
}

TILE_PICTURE_CHOICES = list(TILE_PICTURES.items())


def random_tile_picture():
    """A new pupil's tile picture (the teacher can choose another one)."""
    return secrets.choice(list(TILE_PICTURES))


def grid_for(school):
    """The slugs shown in this school's picture grid, in order."""
    return list(PICTURES)[: school.picture_grid_size]


@cache
def picture_url(slug):
    """The static URL of a password picture, looked up once per process."""
    return static(f"img/pictures/{slug}.svg")


@cache
def tile_picture_url(slug):
    """The static URL of a tile picture, looked up once per process (a class shows 30 tiles)."""
    return static(f"img/tiles/{slug}.svg")
