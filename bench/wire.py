"""Round trips counted on the wire: a TCP relay between the app and PostgreSQL (or Redis) that
reads what the app sends and counts it.

Counting in Django (connection.execute_wrapper, django_assert_num_queries) misses what does not
pass through Django's cursor: the BEGIN that psycopg sends before the first statement of a
transaction, COMMIT and ROLLBACK (connection methods), and the connection health check
(CONN_HEALTH_CHECKS runs its SELECT 1 on a raw psycopg cursor). The relay sees all of it,
whoever sends it:

- PostgreSQL: every simple-protocol Query message and every Sync of the extended protocol is one
  round trip (the client waits for ReadyForQuery before it sends the next; Django does not use
  pipeline mode). The statement of an extended-protocol round trip is taken from its Parse
  message, or, for a statement psycopg has prepared before, from the Parse that named it. The
  relay answers an SSL or GSSAPI encryption request with "no", so the rest stays readable.
- Redis: every command (a RESP array) the app sends; a pipeline's commands count one by one.

Used only by bench/run.py's counting pass: one gunicorn worker, one request at a time, so the
difference of two snapshots is one request's traffic.
"""

import asyncio
import struct
import threading

TRANSACTION = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "START TRANSACTION", "END")


def is_transaction(sql):
    return sql.lstrip().upper().startswith(TRANSACTION)


class Counts:
    def __init__(self):
        self.round_trips = 0
        self.statements = []  # (round trip number, text)

    def snapshot(self):
        return self.round_trips, len(self.statements)


class PostgresReader:
    """Parses the client side of one PostgreSQL connection."""

    def __init__(self, counts):
        self.counts, self.buf, self.started = counts, b"", False
        self.prepared, self.pending = {}, []

    def feed(self, data):
        """Returns (bytes to forward to the server, bytes to answer the client with)."""
        self.buf += data
        forward, answer = b"", b""
        while True:
            if not self.started:
                if len(self.buf) < 8:
                    break
                length, code = struct.unpack("!II", self.buf[:8])
                if len(self.buf) < length:
                    break
                message, self.buf = self.buf[:length], self.buf[length:]
                if code in (80877103, 80877104):  # SSLRequest, GSSENCRequest: "not here"
                    answer += b"N"
                    continue
                self.started = True
                forward += message
                continue
            if len(self.buf) < 5:
                break
            kind, length = self.buf[:1], struct.unpack("!I", self.buf[1:5])[0]
            if len(self.buf) < 1 + length:
                break
            message, self.buf = self.buf[:1 + length], self.buf[1 + length:]
            self._message(kind, message[5:])
            forward += message
        return forward, answer

    def _message(self, kind, body):
        if kind == b"Q":
            self._round_trip([body.split(b"\0", 1)[0].decode(errors="replace")])
        elif kind == b"P":
            name, rest = body.split(b"\0", 1)
            self.prepared[name] = rest.split(b"\0", 1)[0].decode(errors="replace")
        elif kind == b"B":
            statement = body.split(b"\0", 2)[1]
            self.pending.append(self.prepared.get(statement, "?"))
        elif kind == b"S":
            self._round_trip(self.pending or ["(sync)"])
            self.pending = []

    def _round_trip(self, statements):
        self.counts.round_trips += 1
        for sql in statements:
            self.counts.statements.append((self.counts.round_trips, " ".join(sql.split())))


class RedisReader:
    """Parses the client side of one Redis connection (RESP arrays of bulk strings)."""

    def __init__(self, counts):
        self.counts, self.buf = counts, b""

    def feed(self, data):
        self.buf += data
        while True:
            parsed = self._command()
            if parsed is None:
                break
            args, self.buf = parsed
            self.counts.round_trips += 1
            self.counts.statements.append((self.counts.round_trips, " ".join(args[:2])))
        return data, b""

    def _command(self):
        buf = self.buf
        end = buf.find(b"\r\n")
        if end < 0 or buf[:1] != b"*":
            return None
        count, pos, args = int(buf[1:end]), end + 2, []
        for _ in range(count):
            end = buf.find(b"\r\n", pos)
            if end < 0:
                return None
            size = int(buf[pos + 1:end])
            start, pos = end + 2, end + 2 + size + 2
            if len(buf) < pos:
                return None
            args.append(buf[start:start + size].decode(errors="replace")[:60])
        if args:
            args[0] = args[0].upper()
        return args, buf[pos:]


class Relay:
    """Listens on 127.0.0.1 (a free port) and relays to 127.0.0.1:``upstream``, counting."""

    def __init__(self, kind, upstream):
        self.kind, self.upstream, self.counts = kind, upstream, Counts()
        self.ready = threading.Event()

    def start(self):
        threading.Thread(target=self._serve, daemon=True).start()
        if not self.ready.wait(10):
            raise SystemExit(f"the {self.kind} relay did not start")
        return self.port

    def stop(self):
        self.loop.call_soon_threadsafe(self.loop.stop)

    def _serve(self):
        self.loop = asyncio.new_event_loop()
        server = self.loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self.ready.set()
        self.loop.run_forever()

    async def _client(self, reader, writer):
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream)
        parser = (PostgresReader if self.kind == "postgres" else RedisReader)(self.counts)

        async def app_to_server():
            while data := await reader.read(65536):
                forward, answer = parser.feed(data)
                if answer:
                    writer.write(answer)
                if forward:
                    up_writer.write(forward)
                await up_writer.drain()
            up_writer.close()

        async def server_to_app():
            while data := await up_reader.read(65536):
                writer.write(data)
                await writer.drain()
            writer.close()

        try:
            await asyncio.gather(app_to_server(), server_to_app())
        except (ConnectionError, OSError):
            writer.close()
            up_writer.close()
