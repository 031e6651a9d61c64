"""A pupil's pseudonym: the same in the API as at single sign-on, the same after a move to
another school (matched by ECK iD), and replaceable at one publisher only."""

from datetime import timedelta

from django.test import RequestFactory
from django.utils import timezone

from pupils.models import Pupil
from schools.models import AuditEntry
from software.models import SyncPermission
from software.services import replace_pseudonym
from teachers.importing import import_school
from tests.api.publisher import Api, make_api_client, token_for
from tests.factories import LicenceFactory, SchoolFactory, SoftwareFactory
from tests.helpers import log_in_pupil, sign_in

HEADER = "leerlingnummer;roepnaam;achternaam;geboortedatum;groep;jaargroep;eckid\n"
EMMA = "7001;Emma;de Vries;03-05-2017;Groep 5a;5;https://id.school/LL_emma\n"
SEM = "7002;Sem;Bakker;04-06-2017;Groep 5a;5;https://id.school/LL_sem\n"


def csv(*rows):
    return (HEADER + "".join(rows)).encode()


def pseudonym_at(publisher, pupil):
    return publisher.pairwise_sub(pupil.user)


def test_a_pupil_who_moves_school_keeps_their_pseudonym(db, rekenroute):
    old, new = SchoolFactory(brin="11AA"), SchoolFactory(brin="22BB")
    import_school(csv(EMMA, SEM), school=old)
    emma_there = Pupil.objects.get(school=old, first_name="Emma")
    before = pseudonym_at(rekenroute.publisher, emma_there)
    import_school(csv(SEM), school=old)  # Emma left the old school ...
    import_school(csv("9001;Emma;de Vries;03-05-2017;Groep 6;6;https://id.school/LL_emma\n"), school=new)
    emma_here = Pupil.objects.get(school=new, first_name="Emma")
    assert emma_here.user_id != emma_there.user_id
    assert pseudonym_at(rekenroute.publisher, emma_here) == before


def test_a_pupil_still_at_another_school_does_not_hand_over_their_pseudonym(db, rekenroute):
    old, new = SchoolFactory(brin="11AA"), SchoolFactory(brin="22BB")
    import_school(csv(EMMA), school=old)
    emma_there = Pupil.objects.get(school=old)
    # Another school's file carries Emma's ECK iD (a typing error, or worse): no shared pseudonym.
    import_school(csv("9001;Noor;Smit;03-05-2017;Groep 6;6;https://id.school/LL_emma\n"), school=new)
    noor = Pupil.objects.get(school=new)
    assert pseudonym_at(rekenroute.publisher, noor) != pseudonym_at(rekenroute.publisher, emma_there)


def test_a_different_birth_date_does_not_hand_over_a_pseudonym(db, rekenroute):
    old, new = SchoolFactory(brin="11AA"), SchoolFactory(brin="22BB")
    import_school(csv(EMMA, SEM), school=old)
    emma_there = Pupil.objects.get(school=old, first_name="Emma")
    import_school(csv(SEM), school=old)
    import_school(csv("9001;Emma;de Vries;01-01-2016;Groep 6;6;https://id.school/LL_emma\n"), school=new)
    emma_here = Pupil.objects.get(school=new)
    assert pseudonym_at(rekenroute.publisher, emma_here) != pseudonym_at(rekenroute.publisher, emma_there)


def _admin_request(teacher):
    request = RequestFactory().post("/")
    request.user = teacher.user
    return request


def test_a_replaced_pseudonym_changes_at_one_publisher_only(client, permission, school, pupil, rekenroute,
                                                            teacher, issuer):
    other = SoftwareFactory(name="Spellingsterren")
    LicenceFactory(school=school, software=other)
    SyncPermission.objects.create(school=school, publisher=other.publisher)
    api = Api(client, token_for(client, make_api_client(rekenroute.publisher)))
    other_api = Api(client, token_for(client, make_api_client(other.publisher)))
    old_id = api.all("/api/v2/instellingen/99XX00/leerlingen/")[0]["id"]
    other_id = other_api.all("/api/v2/instellingen/99XX00/leerlingen/")[0]["id"]
    since = (timezone.now() - timedelta(seconds=1)).isoformat()

    replace_pseudonym(publisher=rekenroute.publisher, pupil=pupil, request=_admin_request(teacher))

    new_id = api.all("/api/v2/instellingen/99XX00/leerlingen/")[0]["id"]
    assert new_id != old_id
    assert other_api.all("/api/v2/instellingen/99XX00/leerlingen/")[0]["id"] == other_id
    # The publisher sees the new pseudonym in the changes, and the old one as gone.
    assert [p["id"] for p in api.all("/api/v2/instellingen/99XX00/leerlingen/", gewijzigd_sinds=since)] \
        == [new_id]
    retired = api.all("/api/v2/instellingen/99XX00/leerlingen/vervallen/", sinds=since)
    assert [r["id"] for r in retired] == [old_id]
    assert new_id not in str(retired)
    # Single sign-on gives the new one too.
    log_in_pupil(client, pupil)
    claims, _tokens = sign_in(client, rekenroute)
    assert claims["sub"] == new_id
    entry = AuditEntry.objects.get(action=AuditEntry.Action.PSEUDONYM_REPLACED)
    assert (entry.pupil, entry.actor, entry.school) == (pupil, teacher.user, school)


def test_replacing_twice_retires_each_old_pseudonym(permission, pupil, rekenroute, teacher):
    first = pseudonym_at(rekenroute.publisher, pupil)
    replace_pseudonym(publisher=rekenroute.publisher, pupil=pupil, request=_admin_request(teacher))
    second = pseudonym_at(rekenroute.publisher, pupil)
    replace_pseudonym(publisher=rekenroute.publisher, pupil=pupil, request=_admin_request(teacher))
    third = pseudonym_at(rekenroute.publisher, pupil)
    assert len({first, second, third}) == 3
    retired = rekenroute.publisher.retired_pseudonyms.values_list("pseudonym", flat=True)
    assert list(retired) == [first, second]
