"""The pictures of picture passwords and name tiles: a slug (the SVG in static/img/pictures/)
and the Dutch name a screen reader reads aloud. The order is fixed: a school whose grid holds
12 pictures shows the first 12."""

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

PICTURE_CHOICES = list(PICTURES.items())


def grid_for(school):
    """The slugs shown in this school's picture grid, in order."""
    return list(PICTURES)[: school.picture_grid_size]


@cache
def picture_url(slug):
    """The static URL of a picture, looked up once per process (a class page shows 30 tiles)."""
    return static(f"img/pictures/{slug}.svg")
