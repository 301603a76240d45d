"""Capturing committed changes of the watched models (the live sources' models) with
SQLAlchemy session events, registered once per process.

``after_flush`` notes the watched rows a unit of work inserted or changed (and the rows
whose view depends on a changed row: a source's ``touched_by``), ``do_orm_execute`` the
rows a bulk UPDATE moved (a source's ``bulk_updates``); ``after_commit`` copies what it
noted into plain values and hands them to the installed feed; a rollback (of the whole unit
of work) drops them. While no live sink accepts events (no broker), nothing is noted at
all. No model is named here: what is watched is whatever the installed feed's sources
declare.
"""

from __future__ import annotations

import copy
import logging
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Engine, event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction

from gangting.command_centre import live
from gangting.command_centre.live_rules import LIVE_KINDS
from gangting.kernel.live import LiveSource

log = logging.getLogger("gangting.command_centre.changes")
_KEY = "gangting.live_changes"


@dataclass(frozen=True)
class Change:
    """One committed row change: its model and key, and a copy of its column values
    (None: read it again)."""

    model: type[Any]
    pk: uuid.UUID
    values: dict[str, Any] | None


class Watched:
    """The live sources by model, and what their declarations ask the capture to note."""

    def __init__(self, sources: Iterable[LiveSource[Any]]) -> None:
        self.sources: dict[type[Any], LiveSource[Any]] = {}
        self._keys: dict[type[Any], str] = {}
        self._touching: dict[type[Any], list[tuple[type[Any], str]]] = {}
        for source in sources:
            if source.model in self.sources:
                raise ValueError(f"two live sources for {source.model.__name__}")
            if source.kind not in LIVE_KINDS:
                raise ValueError(f"unknown live event kind {source.kind!r}")
            self.sources[source.model] = source
            self._keys[source.model] = _primary_key(source.model)
            for other, column in source.touched_by:
                self._touching.setdefault(other, []).append((source.model, column))
        self._bulk = frozenset(m for m, s in self.sources.items() if s.bulk_updates)

    def key(self, model: type[Any]) -> str:
        """The attribute holding a watched model's key."""
        return self._keys[model]

    def note_row(self, session: Session, obj: Any) -> None:
        """Note a row the unit of work inserted or changed, if it is watched or touches one
        that is."""
        model = type(obj)
        if model in self.sources:
            _note(session, model, getattr(obj, self._keys[model]), obj)
        for target, column in self._touching.get(model, ()):
            _note(session, target, getattr(obj, column), None)

    def note_bulk_update(self, state: ORMExecuteState) -> None:
        mapper = state.bind_mapper
        if mapper is None or mapper.class_ not in self._bulk:
            return
        statement: Any = state.statement
        for value in statement.compile().params.values():
            if isinstance(value, uuid.UUID):
                _note(state.session, mapper.class_, value, None)


def _primary_key(model: type[Any]) -> str:
    """The attribute holding a model's (single-column) primary key."""
    mapper = inspect(model)
    (column,) = mapper.primary_key
    key: str = mapper.get_property_by_column(column).key
    return key


class Feed(Protocol):
    """What the capture hands its changes to (changes.ChangeFeed)."""

    @property
    def watched(self) -> Watched: ...

    def submit(self, engine: Engine, changes: list[Change]) -> None: ...


_lock = threading.Lock()
_feeds: list[Feed] = []
_registered = [False]


def _feed() -> Feed | None:
    return _feeds[-1] if _feeds else None


def _note(session: Session, model: type[Any], pk: Any, obj: Any) -> None:
    if not isinstance(pk, uuid.UUID):
        return
    pending: dict[tuple[type[Any], uuid.UUID], Any] = session.info.setdefault(_KEY, {})
    key = (model, pk)
    if obj is None:
        pending[key] = None  # a bulk change, or a view that needs more: read the row again
    elif key not in pending:
        pending[key] = obj


def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    feed = _feed()
    if feed is None or not live.accepting():
        return
    try:
        for obj in (*session.new, *session.dirty):
            feed.watched.note_row(session, obj)
    except Exception:
        log.exception("live change capture failed (after flush)")


def _bulk_update(state: ORMExecuteState) -> None:
    feed = _feed()
    if not (state.is_update and feed is not None and live.accepting()):
        return
    try:
        feed.watched.note_bulk_update(state)
    except Exception:
        log.exception("live change capture failed (bulk update)")


def _copy(obj: Any) -> dict[str, Any] | None:
    """The column values of a persistent row as this unit of work left it; None when one
    must be read again (expired: a server default, a savepoint rolled back). A column a
    new row never set was inserted as NULL."""
    state = inspect(obj)
    expired = state.expired_attributes
    values: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in state.dict:
            values[attr.key] = copy.copy(state.dict[attr.key])
        elif attr.key in expired:
            return None
        else:
            values[attr.key] = None
    return values


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released (SQLAlchemy fires after_commit for those too)
    pending: dict[tuple[type[Any], uuid.UUID], Any] | None = session.info.pop(_KEY, None)
    feed = _feed()
    if not pending or feed is None:
        return
    try:
        changes: list[Change] = []
        for (model, pk), obj in pending.items():
            if obj is None:
                changes.append(Change(model, pk, None))
                continue
            state = inspect(obj)
            if state.transient or state.deleted or state.was_deleted:
                continue  # inserted in a savepoint that rolled back, or deleted
            changes.append(Change(model, pk, _copy(obj)))
        bind = session.get_bind()
        if changes:
            feed.submit(bind if isinstance(bind, Engine) else bind.engine, changes)
    except Exception:
        log.exception("live change capture failed (after commit)")


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_KEY, None)  # rolled back or closed without a commit


def _register() -> None:
    if _registered[0]:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "do_orm_execute", _bulk_update)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_transaction_end", _after_transaction_end)
    _registered[0] = True


def install_feed(feed: Feed) -> Callable[[], None]:
    """Start handing committed changes to ``feed`` (the latest installed wins); returns
    the function that stops it again."""
    with _lock:
        _register()
        _feeds.append(feed)

    def remove() -> None:
        with _lock:
            if feed in _feeds:
                _feeds.remove(feed)

    return remove
