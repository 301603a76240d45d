"""StrEnumText: a StrEnum column stores today's plain string and loads the member."""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum

import pytest
from sqlalchemy import MetaData, String, create_engine, insert, select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from gangting.kernel.db import StrEnumText


class Light(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


class _Base(DeclarativeBase):
    metadata = MetaData()


class Signal(_Base):
    __tablename__ = "signals"

    id: Mapped[int] = mapped_column(primary_key=True)
    light: Mapped[Light] = mapped_column(StrEnumText(Light, 8))
    previous: Mapped[Light | None] = mapped_column(StrEnumText(Light, 8))


@pytest.fixture
def session() -> Iterator[Session]:
    engine = create_engine("sqlite://")
    _Base.metadata.create_all(engine)
    with Session(engine) as s:
        yield s
    engine.dispose()


def test_the_column_is_a_plain_varchar() -> None:
    column = Signal.__table__.c.light
    assert isinstance(column.type, StrEnumText)
    assert isinstance(column.type.impl_instance, String)
    assert column.type.impl_instance.length == 8
    assert column.type.python_type is Light


def test_stores_the_plain_string_and_loads_the_member(session: Session) -> None:
    session.add(Signal(id=1, light=Light.AMBER, previous=None))
    session.add(Signal(id=2, light="red", previous=Light.GREEN))  # a string is taken too
    session.commit()

    raw = session.execute(text("SELECT id, light, previous FROM signals ORDER BY id")).all()
    assert [tuple(r) for r in raw] == [(1, "amber", None), (2, "red", "green")]
    assert all(type(r[1]) is str for r in raw)

    session.expunge_all()
    loaded = session.scalars(select(Signal).order_by(Signal.id)).all()
    assert [s.light for s in loaded] == [Light.AMBER, Light.RED]
    assert all(type(s.light) is Light for s in loaded)
    assert loaded[0].previous is None and loaded[1].previous is Light.GREEN
    # A StrEnum is its string: comparisons with literals and with the members agree.
    assert loaded[1].light == "red"
    assert session.scalar(select(Signal.id).where(Signal.light == "amber")) == 1
    assert session.scalar(select(Signal.id).where(Signal.light == Light.RED)) == 2


def test_refuses_an_unknown_value_on_the_way_in(session: Session) -> None:
    session.add(Signal(id=1, light="blue", previous=None))
    refused = r"'blue' is not a Light \(one of: green, amber, red\)"
    with pytest.raises(StatementError, match=refused):
        session.commit()


def test_refuses_an_unknown_value_on_the_way_out(session: Session) -> None:
    session.execute(insert(Signal.__table__).values(id=1, light="green"))
    session.execute(text("UPDATE signals SET light = 'purple'"))
    with pytest.raises(ValueError, match=r"'purple' is not a Light"):
        session.scalars(select(Signal)).all()
