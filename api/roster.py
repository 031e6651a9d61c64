"""What one publisher may see of one school: the school's consent (SyncPermission) decides
whether it sees anything; the publisher's licences at the school decide which groups and pupils,
and whether names and ECK iDs are released — the same rule as single sign-on (software/oidc.py)."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import PermissionDenied

from schools.models import Group, School
from software.models import Licence, SyncPermission
from software.models import Release as ReleaseRecord


class NoPermission(PermissionDenied):
    default_detail = _("Deze school heeft u geen toestemming gegeven om haar gegevens op te halen.")
    default_code = "geen_toestemming"


def school_for(publisher, code):
    """The school with BRIN + vestiging ``code`` (e.g. "99XX00") and this publisher's granted
    permission (one query); 404 for an unknown school, 403 without permission."""
    school = get_object_or_404(School, brin=code[:4].upper(), vestiging=code[4:], active=True)
    permission = SyncPermission.objects.granted().filter(school=school, publisher=publisher).first()
    if permission is None:
        raise NoPermission
    school.sync_permission = permission
    return school


class Release:
    """The publisher's valid licences at the school (two queries), and what follows from them."""

    def __init__(self, publisher, school):
        licences = list(Licence.objects.valid().filter(school=school, software__publisher=publisher)
                        .prefetch_related("groups"))
        self.all_groups = [lic for lic in licences if lic.all_groups]
        self.by_group = {}
        for licence in licences:
            for group in licence.groups.all():
                self.by_group.setdefault(group.pk, []).append(licence)
        self.school = school

    def groups(self):
        """The groups the publisher sees: every group when a licence is for all groups."""
        groups = Group.objects.filter(school=self.school)
        return groups if self.all_groups else groups.filter(pk__in=list(self.by_group))

    def group_ids(self):
        return None if self.all_groups else set(self.by_group)

    def _licences(self, group_id):
        return self.all_groups + self.by_group.get(group_id, [])

    def shares_first_name(self, group_id):
        return any(lic.shares_first_name for lic in self._licences(group_id))

    def shares_eckid(self, group_id):
        return any(lic.shares_eckid for lic in self._licences(group_id))

    @property
    def shares_staff_first_name(self):
        return any(lic.shares_first_name for lic in self.all_groups) or any(
            lic.shares_first_name for licences in self.by_group.values() for lic in licences)


def record_pupils_released(*, token, publisher, school, pupils, items):
    """Write down what one page of the pupils list handed ``publisher`` about each active pupil,
    in the claim names single sign-on uses, so parents see it on "Wat weten de uitgevers?" beside
    the logins (one INSERT). A leaver's entry carries only the pseudonym to delete: not a release.
    ``pupils`` and ``items``: the page's Pupil rows (with their group) and what was serialized."""
    code = f"{school.brin}{school.vestiging}"
    rows = []
    for pupil, item in zip(pupils, items, strict=True):
        if not item["actief"]:
            continue
        claims = {"sub": item["id"], "school": code, "group": pupil.group.name,
                  "year_level": item["jaargroep"]}
        if item["persoonsgegevens"]:
            claims["given_name"] = item["persoonsgegevens"]["roepnaam"]
        if item["eckid"]:
            claims["eckid"] = item["eckid"]
        rows.append((pupil.user_id, claims))
    if rows:
        ReleaseRecord.objects.record_roster(publisher=publisher, client_id=token.application.client_id,
                                            pupils=rows)
