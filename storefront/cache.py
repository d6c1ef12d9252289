"""Per-process caches behind shared versions, invalidated explicitly.

One store holds every value a process caches: an LRU map under a lock,
bounded by ``CACHE_MAX_ENTRIES`` entries and ``CACHE_MAX_CHARS`` characters
of the values that say how large they are (encoded JSON, response bodies).
Past either bound the least recently used entries go, never the whole store.
An entry is keyed by (database URL, namespaces, key) and is valid while the
versions of the namespaces it depends on are those it was computed under
(and, when it has one, until its deadline).

A namespace is declared once, by the module that owns its data
(``FX = cache.declare("fx", owner=__name__)``); the service that changes that
data calls ``FX.invalidate(session)`` in the same transaction, and every
process recomputes on its next read. The versions live where every app server
sees them: a row of ``cache_version`` per namespace, always bumped, and Redis
too when ``REDIS_URL`` is set (it answers the reads then). When Redis fails a
process reads the rows instead and tries Redis again ``REDIS_RETRY_SECONDS``
later; the first process back on Redis gives every namespace a new version
there, so nothing cached before the outage outlives a change made during it
(nor a restarted Redis: a missing version is set to a new token)."""
from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Hashable, Iterable, NamedTuple, Sequence

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import String, event, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, scoped_session

from storefront.db import Base

_lock = threading.Lock()
log = logging.getLogger("storefront.cache")
# After a Redis error a process reads the database versions this long before it tries Redis again.
REDIS_RETRY_SECONDS = 2.0


class CacheVersion(Base):
    __tablename__ = "cache_version"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    # A random token, not a counter: a rolled-back change can never leave a
    # version that a later, different change would produce again.
    version: Mapped[str] = mapped_column(String(32), default="")


def _redis():
    """The app's Redis client, or None: no ``REDIS_URL``, or it failed less
    than ``REDIS_RETRY_SECONDS`` ago (the database versions serve meanwhile)."""
    client = current_app.extensions.get("redis")
    url = current_app.config.get("REDIS_URL")
    if client is None and url:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        current_app.extensions["redis"] = client
    if client is not None and time.monotonic() < _redis_link().down_until:
        return None
    return client


@dataclass
class _RedisLink:
    down_until: float = 0.0  # time.monotonic(): Redis is not tried before
    missed: bool = False  # versions were bumped (or read) without it: give every namespace a new one there


def _redis_link() -> _RedisLink:
    return current_app.extensions.setdefault("redis_link", _RedisLink())


def _redis_failed(exc: Exception, link: _RedisLink | None = None) -> None:
    link = link or _redis_link()
    if not link.missed:
        log.warning("Redis failed (%s); cache versions come from the database", exc)
    link.down_until, link.missed = time.monotonic() + REDIS_RETRY_SECONDS, True


def _redis_errors() -> tuple[type[Exception], ...]:
    import redis

    return (redis.RedisError, OSError)


def redis_status() -> str | None:
    """``ok`` or ``unavailable`` (None without ``REDIS_URL``), for the health check."""
    if not current_app.config.get("REDIS_URL"):
        return None
    client = _redis()
    try:
        if client is not None and client.ping():
            return "ok"
    except _redis_errors() as exc:
        _redis_failed(exc)
    return "unavailable"


# --- namespaces ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Namespace:
    """Data cached per process and versioned together; ``owner`` is the module
    that declares it, beside the services that change the data."""

    name: str
    owner: str

    def invalidate(self, session: Session) -> None:
        """Call in the transaction that changes the namespace's data."""
        invalidate(session, self)


_declared: dict[str, Namespace] = {}


def declare(name: str, *, owner: str) -> Namespace:
    """The namespace ``name``, owned by the module ``owner`` (its ``__name__``):
    one owner per namespace, so one place says what invalidates it."""
    if not 0 < len(name) <= 32:
        raise ValueError(f"cache namespace names have 1 to 32 characters: {name!r}")
    namespace = Namespace(name, owner)
    with _lock:
        known = _declared.setdefault(name, namespace)
    if known != namespace:
        raise ValueError(f"cache namespace {name!r} is owned by {known.owner}, not {owner}")
    return namespace


def declared() -> tuple[Namespace, ...]:
    return tuple(sorted(_declared.values(), key=lambda n: n.name))


Depends = Namespace | Sequence[Namespace]


def _names(depends: Depends) -> tuple[str, ...]:
    return (depends.name,) if isinstance(depends, Namespace) else tuple(n.name for n in depends)


# --- versions -----------------------------------------------------------------------------


_recent: dict[str, tuple[float, dict[str, str]]] = {}
INVALIDATED = "cache.invalidated"  # session.info: the namespaces invalidated in the transaction  # database URL -> (read at, versions)


def _all_versions(session: Session, wanted: Iterable[str] = ()) -> dict[str, str]:
    """Every declared namespace's version in one round trip, once per request,
    and at most every ``CACHE_VERSION_TTL_SECONDS`` per process (a change made
    by another server shows that much later; one made here shows at once)."""
    scope = g._get_current_object() if has_app_context() else None
    # Once per request (in Flask, or answered below it: storefront.api.lane), never per app context.
    per_request = scope is not None and (has_request_context() or getattr(scope, "answering_request", False))
    found = getattr(scope, "cache_versions", None) if per_request else None
    if found is not None and all(name in found for name in wanted):
        return found
    config = current_app.config
    url = config["SQLALCHEMY_DATABASE_URI"]
    if found is None:
        ttl = config["CACHE_VERSION_TTL_SECONDS"]
        recent = _recent.get(url)
        if ttl > 0 and recent is not None and time.monotonic() - recent[0] < ttl:
            found = recent[1]
    if found is None or any(name not in found for name in wanted):  # (or one declared since)
        names = sorted(set(_declared) | set(wanted))
        found = _redis_versions(names)
        if found is None:
            found = dict.fromkeys(names, "")
            found.update(session.execute(select(CacheVersion.name, CacheVersion.version)).all())
        _recent[url] = (time.monotonic(), found)
    if per_request:
        scope.cache_versions = found
    return found


def _redis_versions(names: list[str]) -> dict[str, str] | None:
    """The versions in Redis (None: no Redis, or it failed). A missing one
    (a restarted Redis) gets a new token, never the empty one it had at first."""
    client = _redis()
    if client is None:
        return None
    keys = [f"storefront:version:{n}" for n in names]
    try:
        link = _redis_link()
        if link.missed:  # back after an outage: whatever was cached under its old versions goes
            client.mset({f"storefront:version:{n}": uuid.uuid4().hex for n in set(_declared) | set(names)})
            link.missed = False
            log.warning("Redis answers again; cache versions come from it")
        values = client.mget(keys)
        if not all(values):
            pipe = client.pipeline()
            for key, value in zip(keys, values):
                if not value:
                    pipe.set(key, uuid.uuid4().hex, nx=True)
            pipe.mget(keys)
            values = pipe.execute()[-1]
    except _redis_errors() as exc:
        _redis_failed(exc)
        return None
    return {n: v.decode() for n, v in zip(names, values)}


def versions(session: Session, depends: Depends) -> tuple[str, ...]:
    names = _names(depends)
    found = _all_versions(session, names)
    return tuple(found[n] for n in names)


def current_version(session: Session, namespace: Namespace) -> str:
    return versions(session, namespace)[0]


def invalidate(session: Session, *namespaces: Namespace) -> None:
    """New versions for ``namespaces``: what any process cached under the old
    ones is stale (in the session's transaction when the versions are rows)."""
    names = [n.name for n in namespaces]
    real = session() if isinstance(session, scoped_session) else session
    real.info.setdefault(INVALIDATED, set()).update(names)  # read before the commit (storefront.browse.book)
    if has_request_context():
        g.pop("cache_versions", None)
    _recent.pop(current_app.config["SQLALCHEMY_DATABASE_URI"], None)
    client = _redis()
    if client is not None:
        keys = [f"storefront:version:{n}" for n in names]
        link = _redis_link()

        def publish(_session=None) -> None:
            if time.monotonic() < link.down_until:
                link.missed = True
                return
            try:
                client.mset({key: uuid.uuid4().hex for key in keys})
            except _redis_errors() as exc:
                _redis_failed(exc, link)

        publish()
        # Redis is not part of the transaction: a process that read the token
        # above before the commit may have cached pre-commit data under it.
        # A second token once the change is committed makes that entry stale.
        event.listen(real, "after_commit", publish, once=True)
    elif current_app.config.get("REDIS_URL"):
        _redis_link().missed = True  # Redis is down: bumped there once it answers
    for name in names:  # always: the rows serve when Redis does not
        token = uuid.uuid4().hex
        bumped = session.execute(update(CacheVersion).where(CacheVersion.name == name).values(version=token))
        if bumped.rowcount == 0:
            try:
                with session.begin_nested():  # the first change ever: create the row...
                    session.add(CacheVersion(name=name, version=token))
            except IntegrityError:  # ...unless a concurrent first change just did
                session.execute(update(CacheVersion).where(CacheVersion.name == name).values(version=token))
    session.flush()


# --- the store ------------------------------------------------------------------------------


class _Entry(NamedTuple):
    versions: tuple[str, ...]
    value: object
    weight: int  # characters (bytes of a response body); 0 when the value does not say
    expires: float | None  # time.monotonic() deadline


class Store:
    """An LRU map under a lock, trimmed to its bounds at every insertion.
    A stale or expired entry is a miss and goes at once."""

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._weight = 0

    def get_many(self, keys: Iterable[tuple], versions: tuple[str, ...]) -> dict[tuple, object]:
        found = {}
        now = time.monotonic()
        with _lock:
            for key in keys:
                entry = self._entries.get(key)
                if entry is None:
                    continue
                if entry.versions != versions or (entry.expires is not None and entry.expires < now):
                    self._drop(key)
                    continue
                self._entries.move_to_end(key)
                found[key] = entry.value
        return found

    def put_many(self, items: Iterable[tuple[tuple, object, int]], versions: tuple[str, ...], *,
                 expires: float | None, max_entries: int, max_weight: int) -> None:
        with _lock:
            for key, value, weight in items:
                if key in self._entries:
                    self._drop(key)
                if weight > max_weight:
                    continue  # would push out everything else, and then itself
                self._entries[key] = _Entry(versions, value, weight, expires)
                self._weight += weight
            while len(self._entries) > max_entries or self._weight > max_weight:
                _, entry = self._entries.popitem(last=False)
                self._weight -= entry.weight

    def _drop(self, key: tuple) -> None:
        self._weight -= self._entries.pop(key).weight

    def usage(self) -> tuple[int, int]:
        """(entries, characters) held."""
        with _lock:
            return len(self._entries), self._weight

    def clear(self) -> None:
        with _lock:
            self._entries.clear()
            self._weight = 0


_store = Store()


def _full(names: tuple[str, ...], key: Hashable) -> tuple:
    return current_app.config["SQLALCHEMY_DATABASE_URI"], names, key


_MISSING = object()


def lookup(session: Session, depends: Depends, key: Hashable, default: object = None) -> tuple[object, tuple[str, ...]]:
    """(the value kept under ``key``, else ``default``; the versions a new value is kept under)."""
    current = versions(session, depends)
    full = _full(_names(depends), key)
    return _store.get_many([full], current).get(full, default), current


def keep(depends: Depends, key: Hashable, value: object, at: tuple[str, ...], *, weight: int = 0,
         seconds: float | None = None) -> None:
    """Keep ``value`` under ``key`` while the ``depends`` versions are ``at``
    (as ``lookup`` returned them) and, with ``seconds``, that long at most."""
    keep_each(depends, {key: value}, at, weight=(lambda _v: weight) if weight else None, seconds=seconds)


def keep_each(depends: Depends, values: dict, at: tuple[str, ...], *, weight: Callable[[object], int] | None = None,
              seconds: float | None = None) -> None:
    names = _names(depends)
    config = current_app.config
    _store.put_many(((_full(names, k), v, weight(v) if weight else 0) for k, v in values.items()), at,
                    expires=time.monotonic() + seconds if seconds is not None else None,
                    max_entries=config["CACHE_MAX_ENTRIES"], max_weight=config["CACHE_MAX_CHARS"])


def memoized(session: Session, depends: Depends, key: tuple, compute: Callable[[], object]):
    """``compute()`` cached per process under ``key`` while the ``depends``
    versions are unchanged (e.g. a jurisdiction's tax rates under the tax namespace)."""
    value, at = lookup(session, depends, key, _MISSING)
    if value is _MISSING:
        value = compute()
        keep(depends, key, value, at)
    return value


def memoized_each(session: Session, depends: Depends, label: str, keys: Iterable[Hashable],
                  compute: Callable[[list], dict], weight: Callable[[object], int] | None = None) -> dict:
    """Per-key values (e.g. a product's alternates) cached per process while
    the ``depends`` versions are unchanged: ``compute(missing)`` returns a dict
    for the keys not cached yet, in one batch. ``weight`` (value -> characters)
    counts large values against ``CACHE_MAX_CHARS``."""
    names = _names(depends)
    at = versions(session, depends)
    keys = list(keys)
    full = {k: _full(names, (label, k)) for k in keys}
    hits = _store.get_many(full.values(), at)
    found = {k: hits[f] for k, f in full.items() if f in hits}
    missing = [k for k in keys if k not in found]
    if missing:
        computed = compute(missing)
        keep_each(depends, {(label, k): v for k, v in computed.items()}, at, weight=weight)
        found.update(computed)
    return found


def usage() -> tuple[int, int]:
    """(entries, characters) this process holds, all databases together."""
    return _store.usage()


_on_clear: list[Callable[[], object]] = []  # weakref.WeakMethod of the WSGI layers' forget (storefront.api.front)


def on_clear_local(forget: Callable[[], object]) -> None:
    """``forget`` (a weakref to a bound method) runs with :func:`clear_local`."""
    _on_clear.append(forget)


def clear_local() -> None:
    """Forget this process's copies (tests that change data without the services)."""
    _store.clear()
    _recent.clear()
    for ref in list(_on_clear):
        method = ref()
        if method is None:
            _on_clear.remove(ref)
        else:
            method()
