"""Queries of the 08:30 storm, turned into SQL once per process instead of at every request.

Django compiles a QuerySet to SQL each time it runs: for the pupil session's query (a user with
pupil, school and group) that costs more CPU than PostgreSQL needs to answer it, on every page
a pupil opens. A CompiledQuery builds its QuerySet once, with stand-ins for the values that
change per request, keeps the SQL and the compiler's map of the columns, and then runs that SQL
with the request's values; rows become model instances as Django's own QuerySet iteration makes
them (``Model.from_db``, ``select_related`` objects, the backend's converters).

    SESSION_USER = CompiledQuery(lambda pk: User.objects.select_related("pupil").filter(pk=pk), pk=int)
    user = SESSION_USER.first(pk=42)

CompiledUpdate does the same for ``QuerySet.update()``, CompiledInsert for saving a new row of
a model that no signal receiver watches (the audit log, sessions). Their ``write()`` gives the
statement without running it, so that several run as one (``write_together``): a login's audit
entry and last-login time go with the INSERT of its session (basispoort/sessions.py).

Values are ints, strings or aware datetimes, compared as they are (``pk=``, ``field=``,
``field__gte=``; not ``__in`` or ``__icontains``): each stand-in must reach the SQL's parameters
as the backend adapts it, which compiling checks. The SQL is kept per database connection (and
so per thread), built on first use. On PostgreSQL these statements, and only these, bind their
parameters on the server, so that PostgreSQL can keep them prepared (settings.py,
DB_PREPARE_THRESHOLD): it then plans each once per connection, not at every login.
"""

import datetime
from itertools import count
from weakref import WeakKeyDictionary

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models.query import get_related_populators
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import InsertQuery, UpdateQuery

_stand_in_numbers = count(1)


def _stand_in(kind):
    """A value no real request sends, of the kind the field compares with."""
    number = next(_stand_in_numbers)
    if kind is int:
        return -(2**62) + number
    if kind is str:
        return f"\x1fstand-in-{number}\x1f"
    if kind is datetime.datetime:
        return datetime.datetime(1901, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(seconds=number)
    raise TypeError(f"CompiledQuery values must be int, str or datetime, not {kind!r}")


def _cursor(connection):
    """Django's cursor; on PostgreSQL one that binds the parameters on the server (psycopg's
    Cursor, not Django's default ClientCursor), so that psycopg prepares a statement the
    connection runs often (its ``prepare_threshold``, settings.py). Everything else Django does
    for a cursor (connecting, time zone, query logging and wrappers) stays the same."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    raw = connection.connection
    factory, raw.cursor_factory = raw.cursor_factory, ServerBindingCursor
    try:
        return connection.cursor()
    finally:
        raw.cursor_factory = factory


def _adapt(connection, value):
    """``value`` as the backend passes it in a query's parameters (a datetime is a string on SQLite)."""
    if isinstance(value, datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


class _Compiled:
    def __init__(self, query, stand_ins, using):
        self.compiler = query.get_compiler(using=using)
        self.sql, params = self.compiler.as_sql()
        self.params = list(params)
        self.slots = {}
        for name, value in stand_ins.items():
            value = _adapt(self.compiler.connection, value)
            slots = [i for i, param in enumerate(self.params)
                     if type(param) is type(value) and param == value]
            if not slots:
                raise ValueError(f"CompiledQuery: {name!r} does not reach the SQL unchanged")
            self.slots[name] = slots
        self.reads = not isinstance(query, UpdateQuery)
        if not self.reads:
            return
        fields = [column[0] for column in self.compiler.select[:self.compiler.col_count]]
        if self.compiler.has_composite_fields(fields):
            raise ValueError("CompiledQuery: composite fields are not supported")
        self.converters = self.compiler.get_converters(fields)  # what results_iter() works out per call
        klass_info = self.compiler.klass_info
        if klass_info:  # a query of model instances: how a row becomes them, worked out once
            select = self.compiler.select
            self.model = klass_info["model"]
            self.start, self.end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
            self.names = [column[0].target.attname for column in select[self.start:self.end]]
            self.populators = get_related_populators(klass_info, select, using)

    def bind(self, connection, values):
        """The SQL's parameters with the request's ``values`` in their slots."""
        params = list(self.params)
        for name, slots in self.slots.items():
            for i in slots:
                params[i] = _adapt(connection, values[name])
        return params

    def execute(self, connection, values):
        """The rows read, converted as Django converts them."""
        with _cursor(connection) as cursor:
            cursor.execute(self.sql, self.bind(connection, values))
            rows = cursor.fetchall()
        if self.converters:
            return [tuple(row) for row in self.compiler.apply_converters(rows, self.converters)]
        return rows


class CompiledQuery:
    def __init__(self, build, using=DEFAULT_DB_ALIAS, **kinds):
        """``build(**stand_ins)`` returns the QuerySet; ``kinds`` names each value and its type."""
        self.build, self.using, self.kinds = build, using, kinds
        self._by_connection = WeakKeyDictionary()

    def _query(self, stand_ins):
        return self.build(**stand_ins).query

    def _compiled(self, connection):
        compiled = self._by_connection.get(connection)
        if compiled is None:
            stand_ins = {name: _stand_in(kind) for name, kind in self.kinds.items()}
            compiled = _Compiled(self._query(stand_ins), stand_ins, self.using)
            self._by_connection[connection] = compiled
        return compiled

    def _check(self, values):
        if set(values) != set(self.kinds) or not all(
                isinstance(values[name], kind) for name, kind in self.kinds.items()):
            raise TypeError(f"CompiledQuery needs exactly {self.kinds}")

    def _run(self, values):
        self._check(values)
        connection = connections[self.using]
        compiled = self._compiled(connection)
        return compiled, compiled.execute(connection, values)

    def rows(self, **values):
        """The rows as tuples (a ``values_list()`` or aggregate query)."""
        return self._run(values)[1]

    def all(self, **values):
        """The rows as model instances, with their ``select_related`` objects."""
        compiled, rows = self._run(values)
        objects = []
        for row in rows:
            obj = compiled.model.from_db(self.using, compiled.names, row[compiled.start:compiled.end])
            for populator in compiled.populators:
                populator.populate(row, obj)
            objects.append(obj)
        return objects

    def first(self, **values):
        """The first row as a model instance, or None."""
        objects = self.all(**values)
        return objects[0] if objects else None


class CompiledUpdate(CompiledQuery):
    """``queryset.update(**changes)`` with the SQL built once: ``build(**stand_ins)`` returns
    ``(queryset, changes)``. ``write(**values).run()`` updates, alone or with other writes
    (write_together). Like QuerySet.update(), it sends no signals."""

    def _query(self, stand_ins):
        queryset, changes = self.build(**stand_ins)
        query = queryset.query.chain(UpdateQuery)
        query.add_update_values(changes)
        return query

    def write(self, **values):
        """The update as a Write, not yet run (write_together)."""
        self._check(values)
        connection = connections[self.using]
        compiled = self._compiled(connection)
        return Write(self.using, compiled.sql, compiled.bind(connection, values))


class CompiledInsert:
    """``obj.save(force_insert=True)`` with the INSERT built once per connection, for a model
    whose saves nobody listens to and that inherits from no other table (otherwise it is that
    save). One statement, without RETURNING: the primary key is set beforehand, or not needed
    afterwards."""

    def __init__(self, model, using=DEFAULT_DB_ALIAS):
        self.model, self.using = model, using
        self._by_connection = WeakKeyDictionary()

    def _fields(self, obj):
        meta = self.model._meta
        return tuple(f for f in meta.local_concrete_fields if f is not meta.auto_field or obj.pk is not None)

    def write(self, obj):
        """The INSERT of ``obj`` as a Write, not yet run (write_together); None for a model
        whose saves someone listens to or that inherits from another table: save() it."""
        model = self.model
        if (type(obj) is not model or model._meta.parents or pre_save.has_listeners(model)
                or post_save.has_listeners(model)):
            return None
        connection = connections[self.using]
        fields = self._fields(obj)
        by_fields = self._by_connection.setdefault(connection, {})
        if fields not in by_fields:
            query = InsertQuery(self.model)
            query.insert_values(fields, [obj])
            [(by_fields[fields], _params)] = query.get_compiler(using=self.using).as_sql()
        params = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
        return Write(self.using, by_fields[fields], params, saved=obj)

    def save(self, obj):
        write = self.write(obj)
        if write is None:
            obj.save(force_insert=True, using=self.using)
        else:
            write.run()


class Write:
    """One statement of a CompiledUpdate or CompiledInsert with its values, ready to run."""

    def __init__(self, using, sql, params, saved=None):
        self.using, self.sql, self.params, self.saved = using, sql, params, saved

    def run(self):
        write_together([self])

    def _done(self):
        if self.saved is not None:  # as Model.save() leaves a new row's instance
            self.saved._state.adding, self.saved._state.db = False, self.using


def write_together(writes):
    """Run ``writes`` (on one database) as one: all of them or none. On PostgreSQL that is one
    statement, the first writes as data-modifying WITH queries of the last (one round trip and
    one commit instead of one each); elsewhere one after the other in a transaction. The
    writes must not depend on each other's rows: WITH queries all see the table as it was."""
    if not writes:
        return
    using = writes[0].using
    if any(write.using != using for write in writes):
        raise ValueError("write_together: the writes go to more than one database")
    connection = connections[using]
    if len(writes) == 1 or connection.vendor == "postgresql":
        *first, last = writes
        sql = last.sql
        if first:
            sql = "WITH {} {}".format(
                ", ".join(f"w{i} AS ({write.sql})" for i, write in enumerate(first)), last.sql)
        with _cursor(connection) as cursor:
            cursor.execute(sql, [param for write in writes for param in write.params])
    else:
        with transaction.atomic(using=using), _cursor(connection) as cursor:
            for write in writes:
                cursor.execute(write.sql, write.params)
    for write in writes:
        write._done()
