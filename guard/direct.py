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
from dataclasses import dataclass
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


def _close_in(pid: int, connection: Any) -> None:
    """Close a driver connection, but only in the process that opened it (never a parent's after fork)."""
    if os.getpid() == pid:
        with contextlib.suppress(Exception):
            connection.close()


class _Held:
    """One thread's driver connection; it is closed when the thread ends and this is collected."""

    def __init__(self, connection: Any, generation: int) -> None:
        self.connection = connection
        self.generation = generation
        self.pid = os.getpid()
        self.used_at = time.monotonic()
        self.close = weakref.finalize(self, _close_in, self.pid, connection)
        self.close.atexit = False


class DirectConnections:
    """A driver connection per thread, pinged after it sat idle, replaced when it fails."""

    def __init__(self, engine: Engine, *, ping_after_idle: float) -> None:
        self.engine = engine
        self.ping_after_idle = ping_after_idle
        self._local = threading.local()
        self._held: weakref.WeakSet[_Held] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._generation = 0
        self._shared = isinstance(engine.pool, SingletonThreadPool | StaticPool)
        self._postgres = engine.dialect.name == "postgresql"
        dbapi = engine.dialect.loaded_dbapi
        self._errors: tuple[type[Exception], ...] = (dbapi.Error,)
        self._lost_errors: tuple[type[Exception], ...] = (dbapi.OperationalError, dbapi.InterfaceError)
        event.listen(engine, "engine_disposed", self.close_all)

    def run(self, prepared: Prepared, values: Mapping[str, Any]) -> list[Row]:
        """Execute ``prepared`` in its own transaction; the rows it returns, as dictionaries."""
        parameters = prepared.parameters(values)
        try:
            return (
                self._run_on_pool(prepared, parameters) if self._shared else self._run(prepared, parameters)
            )
        except self._errors as exc:  # failing to connect included
            raise sa.exc.DBAPIError.instance(
                prepared.sql, None, exc, self._errors[0], hide_parameters=True
            ) from exc

    def close_all(self, *_: Any) -> None:
        """Close every thread's connection (the engine was disposed); threads connect again on use."""
        with self._lock:
            self._generation += 1
            held = list(self._held)
        for each in held:
            each.close()

    def _run(self, prepared: Prepared, parameters: Any) -> list[Row]:
        held = self._connection()
        try:
            rows = _execute(held.connection, prepared.sql, parameters)
        except self._lost_errors:  # a constraint's error, by contrast, leaves the connection usable
            self._lost(held)
            raise
        held.used_at = time.monotonic()
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
        if held is not None and (held.generation != self._generation or held.pid != os.getpid()):
            held = None
        if held is not None and time.monotonic() - held.used_at >= self.ping_after_idle:
            held = self._pinged(held)
        if held is None:
            held = self._connect()
        return held

    def _pinged(self, held: _Held) -> _Held | None:
        try:
            self.engine.dialect.do_ping(held.connection)
        except self._errors:
            self._lost(held)
            return None
        return held

    def _connect(self) -> _Held:
        """A connection of the engine's, taken out of its pool for this thread to keep."""
        raw = self.engine.raw_connection()
        connection: Any = raw.driver_connection
        raw.detach()
        if self._postgres:
            connection.autocommit = True
        with self._lock:
            held = _Held(connection, self._generation)
            self._held.add(held)
        self._local.held = held
        return held

    def _lost(self, held: _Held) -> None:
        """Drop a failed connection, and the pool's idle ones: after a drop they are likely dead too."""
        self._local.held = None
        held.close()
        self.engine.pool.dispose()


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
