"""Hot statements run straight on the driver: compiled once, executed on a connection each thread keeps.

Through SQLAlchemy's ``Connection`` every statement pays for a pool checkout and return, the cache
lookup of its compiled form, parameter processing and result wrapping: more CPU than the database
spends on the inbox's small writes. The receiver's put, the workers' claim and their finish therefore
run here instead: ``Prepared`` compiles a statement once, with SQLAlchemy, for the engine's dialect,
and ``DirectConnections`` runs it on a driver connection its thread keeps (autocommit: every statement
is its own transaction). The connections come from the engine, so its connect events still apply.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import SingletonThreadPool, StaticPool
from sqlalchemy.sql.compiler import SQLCompiler

Row = dict[str, Any]


@dataclass(frozen=True)
class Prepared:
    """A statement compiled for one dialect, with its fixed values already processed for the driver."""

    sql: str
    required: tuple[str, ...]
    constants: Mapping[str, Any]
    processors: Mapping[str, Callable[[Any], Any]]
    order: tuple[str, ...] | None  # positional drivers (SQLite): the parameters' order

    @classmethod
    def compile(cls, statement: sa.ClauseElement, engine: Engine) -> Prepared:
        dialect = engine.dialect
        compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        if not isinstance(compiled, SQLCompiler):
            raise TypeError(f"not a SQL statement: {type(statement).__name__}")
        binds = {name: bind for bind, name in compiled.bind_names.items()}
        processors = {
            name: processor
            for name, bind in binds.items()
            if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        }
        required = tuple(name for name, bind in binds.items() if bind.required)
        fixed = compiled.construct_params(_check=False)
        constants = {
            name: processors[name](value) if name in processors else value
            for name, value in fixed.items()
            if name not in required
        }
        order = tuple(compiled.positiontup or ()) if compiled.positional else None
        return cls(compiled.string, required, constants, processors, order)

    def parameters(self, values: Mapping[str, Any]) -> dict[str, Any] | tuple[Any, ...]:
        """The driver's parameters for ``values``; KeyError names a required value that is missing."""
        params = dict(self.constants)
        for name in self.required:
            value = values[name]
            params[name] = self.processors[name](value) if name in self.processors else value
        return params if self.order is None else tuple(params[name] for name in self.order)


KEEP_IDLE = 5
"""Connections of ended threads kept for the next threads: ``guard serve`` starts a thread per request."""


@dataclass
class _Connection:
    """A driver connection, the engine generation it belongs to, and when it was last used."""

    driver: Any
    generation: int
    used_at: float
    pid: int = field(default_factory=os.getpid)

    def close(self) -> None:
        """Close it, but only in the process that opened it (never a parent's after a fork)."""
        if self.pid == os.getpid():
            with contextlib.suppress(Exception):
                self.driver.close()


class _Held:
    """A thread's hold on a connection: when the thread ends and this is collected, it is given back."""

    def __init__(self, connection: _Connection, give_back: Callable[[_Connection], None]) -> None:
        self.connection = connection
        self.release = weakref.finalize(self, give_back, connection)
        self.release.atexit = False

    def close(self) -> None:
        """Close the connection now instead of giving it back."""
        self.release.detach()
        self.connection.close()


class DirectConnections:
    """A driver connection per thread, pinged after it sat idle, replaced when it fails.

    A connection whose thread ended waits for the next new thread (at most ``keep_idle`` of them wait;
    the others are closed).
    """

    def __init__(self, engine: Engine, *, ping_after_idle: float, keep_idle: int = KEEP_IDLE) -> None:
        self.engine = engine
        self.ping_after_idle = ping_after_idle
        self.keep_idle = keep_idle
        self._local = threading.local()
        self._held: weakref.WeakSet[_Held] = weakref.WeakSet()
        self._idle: list[_Connection] = []
        self._lock = threading.RLock()  # a collected hold gives its connection back on any thread
        self._generation = 0
        self._shared = isinstance(engine.pool, SingletonThreadPool | StaticPool)
        self._postgres = engine.dialect.name == "postgresql"
        dbapi = engine.dialect.loaded_dbapi
        self._error: type[Exception] = dbapi.Error
        self._lost_errors: tuple[type[Exception], ...] = (dbapi.OperationalError, dbapi.InterfaceError)
        event.listen(engine, "engine_disposed", self.close_all)

    def run(self, prepared: Prepared, values: Mapping[str, Any]) -> list[Row]:
        """Execute ``prepared`` in its own transaction; the rows it returns, as dictionaries."""
        parameters = prepared.parameters(values)
        run = self._run_on_pool if self._shared else self._run
        try:
            return run(prepared, parameters)
        except self._error as exc:  # failing to connect included
            error = sa.exc.DBAPIError.instance(prepared.sql, None, exc, self._error, hide_parameters=True)
            raise error from exc

    def close_all(self, *_: Any) -> None:
        """Close every connection (the engine was disposed); threads connect again on use."""
        with self._lock:
            self._generation += 1
            held = list(self._held)
        for each in held:
            each.close()
        self._close_idle()

    def _run(self, prepared: Prepared, parameters: Any) -> list[Row]:
        held = self._connection()
        try:
            rows = _execute(held.connection.driver, prepared.sql, parameters)
        except self._lost_errors:  # a constraint's error, by contrast, leaves the connection usable
            self._lost(held)
            raise
        held.connection.used_at = time.monotonic()
        return rows

    def _run_on_pool(self, prepared: Prepared, parameters: Any) -> list[Row]:
        """In-memory SQLite: one connection is the database, so borrow the pool's own."""
        raw = self.engine.raw_connection()
        try:
            return _execute(raw.driver_connection, prepared.sql, parameters)
        finally:
            raw.close()

    def _connection(self) -> _Held:
        held: _Held | None = getattr(self._local, "held", None)
        if held is None or not self._current(held.connection):
            held = self._hold(self._waiting() or self._connect())
        if time.monotonic() - held.connection.used_at >= self.ping_after_idle and not self._answers(held):
            held = self._hold(self._connect())
        return held

    def _current(self, connection: _Connection) -> bool:
        return connection.generation == self._generation and connection.pid == os.getpid()

    def _answers(self, held: _Held) -> bool:
        try:
            self.engine.dialect.do_ping(held.connection.driver)
        except self._error:
            self._lost(held)
            return False
        return True

    def _waiting(self) -> _Connection | None:
        """The connection an ended thread gave back most recently, if any."""
        with self._lock:
            while self._idle:
                connection = self._idle.pop()
                if self._current(connection):
                    return connection
        return None

    def _connect(self) -> _Connection:
        """A connection of the engine's (its connect events apply), taken out of its pool."""
        raw = self.engine.raw_connection()
        driver: Any = raw.driver_connection
        raw.detach()
        if self._postgres:
            driver.autocommit = True
        return _Connection(driver, self._generation, time.monotonic())

    def _hold(self, connection: _Connection) -> _Held:
        held = _Held(connection, self._give_back)
        with self._lock:
            self._held.add(held)
        self._local.held = held
        return held

    def _give_back(self, connection: _Connection) -> None:
        with self._lock:
            if self._current(connection) and len(self._idle) < self.keep_idle:
                self._idle.append(connection)
                return
        connection.close()

    def _lost(self, held: _Held) -> None:
        """Drop a failed connection, and the idle ones: after a drop they are likely dead too."""
        self._local.held = None
        held.close()
        self._close_idle()
        self.engine.pool.dispose()

    def _close_idle(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


def _execute(connection: Any, sql: str, parameters: Any) -> list[Row]:
    cursor = connection.cursor()
    try:
        cursor.execute(sql, parameters)
        description = cursor.description  # psycopg builds it anew on each read
        if description is None:
            return []
        names = [column[0] for column in description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        cursor.close()
