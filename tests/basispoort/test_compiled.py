"""A CompiledQuery answers exactly what its QuerySet answers, with each call's own values."""

import pytest
from django.db import models

from accounts.models import User
from basispoort.compiled import CompiledQuery
from pupils.models import Pupil
from tests.factories import GroupFactory, PupilFactory

pytestmark = pytest.mark.django_db

SESSION_USER = CompiledQuery(
    lambda pk: User.objects.select_related("pupil__school", "pupil__group").filter(pk=pk, is_active=True),
    pk=int,
)


def loaded(obj):
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields
            if f.attname in obj.__dict__}


def test_instances_equal_the_querysets_own_with_their_related_objects(django_assert_num_queries):
    pupil = PupilFactory()
    orm = User.objects.select_related("pupil__school", "pupil__group").get(pk=pupil.user_id)
    with django_assert_num_queries(1):
        user = SESSION_USER.first(pk=pupil.user_id)
        # select_related objects came in the same query, as with the QuerySet
        assert (user.pupil.school.name, user.pupil.group.name) == (pupil.school.name, pupil.group.name)
    assert loaded(user) == loaded(orm)
    assert loaded(user.pupil) == loaded(orm.pupil)
    assert loaded(user.pupil.group) == loaded(orm.pupil.group)
    assert not user._state.adding and user._state.db == "default"


def test_each_call_runs_with_its_own_values():
    first, second = PupilFactory(), PupilFactory()
    assert SESSION_USER.first(pk=first.user_id).pupil.pk == first.pk
    assert SESSION_USER.first(pk=second.user_id).pupil.pk == second.pk
    assert SESSION_USER.first(pk=second.user_id + 1000) is None
    second.user.is_active = False
    second.user.save()
    assert SESSION_USER.first(pk=second.user_id) is None  # the filter's constants hold too


def test_deferred_fields_stay_deferred(django_assert_num_queries):
    pupil = PupilFactory()
    query = CompiledQuery(lambda pk: Pupil.objects.only("first_name").filter(pk=pk), pk=int)
    found = query.first(pk=pupil.pk)
    assert found.first_name == pupil.first_name
    with django_assert_num_queries(1):
        assert found.last_name == pupil.last_name  # loaded when asked for, as Django does


def test_rows_are_converted_as_the_queryset_converts_them():
    group = GroupFactory()
    pupils = PupilFactory.create_batch(3, group=group, school=group.school)
    query = CompiledQuery(
        lambda group: Pupil.objects.filter(group_id=group).values("group_id")
        .annotate(n=models.Count("pk"), changed=models.Max("updated_at")).values_list("n", "changed"),
        group=int,
    )
    assert query.rows(group=group.pk) == [(3, max(p.updated_at for p in pupils))]
    assert query.rows(group=group.pk + 1000) == []


def test_a_value_that_does_not_reach_the_sql_as_it_is_is_refused():
    query = CompiledQuery(lambda name: User.objects.filter(username__icontains=name), name=str)
    with pytest.raises(ValueError, match="name"):
        query.first(name="anna")  # compiled as "%anna%": cannot be substituted


def test_values_must_be_named_as_compiled():
    with pytest.raises(TypeError):
        SESSION_USER.first(id=1)
    with pytest.raises(TypeError):
        CompiledQuery(lambda when: User.objects.filter(date_joined=when), when=object).first(when=None)


def test_datetimes_are_passed_as_the_backend_passes_them(time_machine):
    from datetime import datetime, timedelta

    from django.utils import timezone

    time_machine.move_to("2027-03-01 08:30 +01:00", tick=False)
    pupil = PupilFactory()
    query = CompiledQuery(lambda pk, since: Pupil.objects.filter(pk=pk, updated_at__gte=since), pk=int,
                          since=datetime)
    assert query.first(pk=pupil.pk, since=timezone.now() - timedelta(seconds=1)) == pupil
    assert query.first(pk=pupil.pk, since=timezone.now() + timedelta(seconds=1)) is None


def test_an_update_changes_only_its_row(time_machine):
    from datetime import datetime

    from django.utils import timezone

    from basispoort.compiled import CompiledUpdate

    time_machine.move_to("2027-03-01 08:30 +01:00", tick=False)
    first, second = PupilFactory(), PupilFactory()
    update = CompiledUpdate(lambda pk, when: (Pupil.objects.filter(pk=pk), {"last_login_school": when}),
                            pk=int, when=datetime)
    update.write(pk=first.pk, when=timezone.now()).run()
    update.write(pk=second.pk + 1000, when=timezone.now()).run()
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.last_login_school == timezone.now() and second.last_login_school is None


def test_an_insert_writes_what_save_writes(time_machine, rf):
    from django.utils import timezone

    from basispoort.compiled import CompiledInsert
    from schools.models import AuditEntry

    time_machine.move_to("2027-03-01 08:30 +01:00", tick=False)
    pupil = PupilFactory()
    fields = {"school": pupil.school, "pupil": pupil, "action": AuditEntry.Action.LOGIN_OK,
              "detail": "leerling /klas/", "ip_address": "2001:db8::1"}
    entry = AuditEntry(**fields)
    CompiledInsert(AuditEntry).save(entry)
    AuditEntry(**fields).save()
    first, second = (AuditEntry.objects.order_by("pk").values(*[f.attname for f in AuditEntry._meta.fields
                                                                 if f.name != "id"]))
    assert first == second and first["created_at"] == timezone.now()
    assert not entry._state.adding


def test_an_insert_with_a_receiver_is_an_ordinary_save():
    from django.db.models.signals import post_save

    from basispoort.compiled import CompiledInsert
    from schools.models import AuditEntry

    heard = []

    def receiver(sender, instance, created, **kwargs):
        heard.append(created)

    post_save.connect(receiver, sender=AuditEntry)
    try:
        CompiledInsert(AuditEntry).save(AuditEntry(action=AuditEntry.Action.LOGIN_OK))
    finally:
        post_save.disconnect(receiver, sender=AuditEntry)
    assert heard == [True] and AuditEntry.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_only_these_statements_are_kept_prepared():
    """PostgreSQL plans the storm's statements once per connection (DB_PREPARE_THRESHOLD);
    every other query binds on the client as before, so no long list of keys meets the
    server's limit of 65,535 parameters."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    pupil = PupilFactory()
    for _ in range(6):
        assert SESSION_USER.first(pk=pupil.user_id).pupil == pupil
        assert User.objects.filter(pk=pupil.user_id, is_active=True).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('"accounts_user"' in sql and '"schools_school"' in sql for sql in prepared), prepared
    assert not any("LIMIT 1" in sql for sql in prepared)  # exists(): an ordinary query
    assert len(User.objects.filter(pk__in=range(70_000))) == 1  # client-side: no parameter limit
