"""What publishers learn about a pupil through OpenID Connect: as little as they need.

- ``sub``: a pairwise pseudonym, a keyed hash of the publisher and the user
  (Publisher.pairwise_sub): two publishers cannot link a pupil; one publisher always gets the
  same ``sub``.
- ``school`` (BRIN + vestiging) and ``school_name``, ``group`` and ``year_level`` (pupils),
  ``role`` ("leerling" or "leerkracht").
- ``given_name`` only when the school's licence says the software needs names; ``eckid`` only
  when the school recorded consent for it on the licence.
Never a last name, birth date or e-mail address.
"""

from oauth2_provider.oauth2_validators import OAuth2Validator

from schools.models import Teacher
from software.models import Licence


class BasispoortValidator(OAuth2Validator):
    # The licence, not the requested scope, decides which claims a publisher gets.
    oidc_claim_scope = None

    def get_claim_dict(self, request):
        user, software = request.user, request.client.software
        pupil = getattr(user, "pupil", None)
        teacher = Teacher.objects.for_user(user)
        school = pupil.school if pupil else teacher.school
        claims = {
            "sub": software.publisher.pairwise_sub(user),
            "role": "leerling" if pupil else "leerkracht",
            "school": f"{school.brin}{school.vestiging}",
            "school_name": school.name,
        }
        licence = Licence.objects.filter(school=school, software=software).first()
        if pupil:
            # The pupil's own year level: in a combination group "Groep 1/2" pupils differ.
            level = pupil.jaargroep
            claims.update(group=pupil.group.name, year_level=int(level) if level.isdigit() else level or None)
            if pupil.eckid and licence and licence.shares_eckid:
                claims["eckid"] = pupil.eckid
        if licence and licence.shares_first_name:
            claims["given_name"] = pupil.first_name if pupil else user.first_name
        return claims

    def get_discovery_claims(self, request):
        return ["sub", "role", "school", "school_name", "group", "year_level", "given_name", "eckid"]
