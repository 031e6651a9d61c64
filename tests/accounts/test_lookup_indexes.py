"""A parent's or teacher's login, and each teacher of an import, finds the account through an
index, not by reading every account in the country (pupils are accounts too)."""

import pytest
from django.db import connection
from django.db.models import Q

from accounts.models import User

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql",
                                reason="the query plan is PostgreSQL's")


@pytest.fixture
def many_accounts(db):
    User.objects.bulk_create(
        [User(username=f"leerling-{n}", kind=User.Kind.PUPIL) for n in range(3000)]
        + [User(username=f"ouder{n}@example.nl", email=f"ouder{n}@example.nl", kind=User.Kind.ADULT)
           for n in range(500)])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE accounts_user")


@pytest.mark.parametrize("queryset", [
    lambda typed: User.objects.filter(Q(username__iexact=typed)
                                      | Q(kind=User.Kind.ADULT, email__iexact=typed)),  # the login
    lambda typed: User.objects.filter(kind=User.Kind.ADULT, username__iexact=typed),  # adult_for_email
    lambda typed: User.objects.filter(kind=User.Kind.ADULT, email__iexact=typed),
])
def test_a_login_by_address_uses_an_index(many_accounts, queryset):
    found = queryset("Ouder77@Example.nl").explain()
    assert "Seq Scan on accounts_user" not in found, found
