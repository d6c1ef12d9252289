"""Per-process caches behind shared versions, invalidated explicitly.

A process keeps values it computed together with the version of their
namespace at the time. The version lives where every app server sees it:
Redis when ``REDIS_URL`` is set, else a row of the database. The service that
changes a namespace's data bumps its version (in the same transaction when it
is the database), and every process recomputes on its next read."""
from __future__ import annotations

import threading
import time
import uuid
from flask import current_app, g, has_request_context
from sqlalchemy import String, event, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, scoped_session

from storefront.db import Base

_lock = threading.Lock()


class CacheVersion(Base):
    __tablename__ = "cache_version"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    # A random token, not a counter: a rolled-back change can never leave a
    # version that a later, different change would produce again.
    version: Mapped[str] = mapped_column(String(32), default="")


def redis_client():
    return _redis()


def _redis():
    client = current_app.extensions.get("redis")
    url = current_app.config.get("REDIS_URL")
    if client is None and url:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        current_app.extensions["redis"] = client
    return client


NAMES = ("markets", "tax", "catalog")


_recent: dict[str, tuple[float, dict[str, str]]] = {}  # database URL -> (read at, versions)


def _all_versions(session: Session) -> dict[str, str]:
    """Every namespace's version in one round trip, once per request, and at
    most every ``CACHE_VERSION_TTL_SECONDS`` per process (a change made by
    another server shows that much later; one made here shows at once)."""
    if has_request_context() and "cache_versions" in g:
        return g.cache_versions
    ttl = current_app.config["CACHE_VERSION_TTL_SECONDS"]
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    recent = _recent.get(url)
    if ttl > 0 and recent is not None and time.monotonic() - recent[0] < ttl:
        if has_request_context():
            g.cache_versions = recent[1]
        return recent[1]
    client = _redis()
    if client is not None:
        values = client.mget([f"storefront:version:{n}" for n in NAMES])
        found = {n: (v.decode() if v else "") for n, v in zip(NAMES, values)}
    else:
        found = {r.name: r.version for r in session.execute(select(CacheVersion.name, CacheVersion.version))}
    if has_request_context():
        g.cache_versions = found
    _recent[url] = (time.monotonic(), found)
    return found


def current_version(session: Session, name: str) -> str:
    return _all_versions(session).get(name, "")


def invalidate(session: Session, name: str) -> None:
    """Call after changing markets (their countries, locales, names, tax or
    rounding), or with ``name="tax"`` after changing tax rates."""
    token = uuid.uuid4().hex
    if has_request_context():
        g.pop("cache_versions", None)
    _recent.pop(current_app.config["SQLALCHEMY_DATABASE_URI"], None)
    client = _redis()
    if client is not None:
        key = f"storefront:version:{name}"
        client.set(key, token)
        # Redis is not part of the transaction: a process that read the token
        # above before the commit may have cached pre-commit data under it.
        # A second token once the change is committed makes that entry stale.
        real = session() if isinstance(session, scoped_session) else session
        event.listen(real, "after_commit", lambda _s: client.set(key, uuid.uuid4().hex), once=True)
        return
    bumped = session.execute(update(CacheVersion).where(CacheVersion.name == name).values(version=token))
    if bumped.rowcount == 0:
        try:
            with session.begin_nested():  # the first change ever: create the row...
                session.add(CacheVersion(name=name, version=token))
        except IntegrityError:  # ...unless a concurrent first change just did
            session.execute(update(CacheVersion).where(CacheVersion.name == name).values(version=token))
    session.flush()


_memo: dict[tuple, tuple[str, object]] = {}


def memoized(session: Session, name: str, key: tuple, compute):
    """``compute()`` cached per process under ``key`` while the ``name``
    version is unchanged (e.g. the catalog's tax rates per market)."""
    version = current_version(session, name)
    full = (current_app.config["SQLALCHEMY_DATABASE_URI"], name, key)
    with _lock:
        hit = _memo.get(full)
        if hit is not None and hit[0] == version:
            return hit[1]
    value = compute()
    with _lock:
        if len(_memo) > 4096:
            _memo.clear()
        _memo[full] = (version, value)
    return value


_each: dict[tuple, tuple[tuple[str, ...], dict, list[int]]] = {}


def memoized_each(session: Session, names: tuple[str, ...], namespace: str, keys, compute, limit: int = 50_000,
                  weight=None) -> dict:
    """Per-key values (e.g. a product's alternates) cached per process while
    the ``names`` versions are unchanged: ``compute(missing)`` returns a dict
    for the keys not cached yet, in one batch. The namespace holds at most
    ``limit`` keys, or with ``weight`` (value -> size) at most ``limit`` in
    total size; past that it starts afresh, so memory stays bounded whatever
    the catalog's size."""
    versions = tuple(current_version(session, n) for n in names)
    full = (current_app.config["SQLALCHEMY_DATABASE_URI"], namespace)
    with _lock:
        hit = _each.get(full)
        if hit is None or hit[0] != versions:
            hit = _each[full] = (versions, {}, [0])
        store, used = hit[1], hit[2]
        found = {k: store[k] for k in keys if k in store}
    missing = [k for k in keys if k not in found]
    if missing:
        computed = compute(missing)
        added = sum(weight(v) for v in computed.values()) if weight else len(computed)
        with _lock:
            if used[0] + added > limit:
                store.clear()
                used[0] = 0
            store.update(computed)
            used[0] += added
        found.update(computed)
    return found



def clear_local() -> None:
    """Forget this process's copies (tests that change markets without the API)."""
    with _lock:
        _memo.clear()
        _each.clear()
