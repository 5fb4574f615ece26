"""pytest fixtures for scripts that use pacsys_rs (pacsys's ``fake_backend`` and
``mock_pacsys``, and their asyncio twins), found by pytest once the package is installed
(the ``pytest11`` entry point ``pacsys_rs``)::

    def test_reads_the_temperature(mock_pacsys):
        mock_pacsys.set_reading("M:OUTTMP", 72.5)
        import pacsys_rs as pacsys
        assert pacsys.read("M:OUTTMP") == 72.5          # the module functions use the fake

    def test_writes(fake_backend):
        import pacsys_rs as pacsys
        pacsys.Device("G:AMANDA", backend=fake_backend).write(5.0)
        assert fake_backend.get_written_value("G:AMANDA") == 5.0
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from . import _native, aio
from .testing import AsyncFakeBackend, FakeBackend


@pytest.fixture
def fake_backend() -> Iterator[FakeBackend]:
    """A new, empty ``FakeBackend`` (closed after the test)."""
    fb = FakeBackend()
    yield fb
    fb.close()


@pytest.fixture
def async_fake_backend() -> Iterator[AsyncFakeBackend]:
    """A new, empty ``AsyncFakeBackend`` (its fake closed after the test)."""
    fb = AsyncFakeBackend()
    yield fb
    fb.sync.close()


def _route(fake: FakeBackend, monkeypatch: Any) -> None:
    _native._set_default_backend(fake)
    monkeypatch.setattr(aio, "_global", aio.wrap(fake))
    monkeypatch.setattr(aio, "_owner", None)


@pytest.fixture
def mock_pacsys(fake_backend: FakeBackend, monkeypatch: Any) -> Iterator[FakeBackend]:
    """``fake_backend``, standing in for the default backend: ``pacsys_rs.read()`` and the
    other module functions, unbound ``Device``s, and the ``pacsys_rs.aio`` module functions
    and unbound ``AsyncDevice``s all use it. Restored after the test."""
    _route(fake_backend, monkeypatch)
    try:
        yield fake_backend
    finally:
        _native._set_default_backend(None)


@pytest.fixture
def async_mock_pacsys(async_fake_backend: AsyncFakeBackend, monkeypatch: Any) -> Iterator[AsyncFakeBackend]:
    """``async_fake_backend`` standing in for the default backends (sync and aio), as
    ``mock_pacsys``."""
    _route(async_fake_backend.sync, monkeypatch)
    monkeypatch.setattr(aio, "_global", async_fake_backend)
    try:
        yield async_fake_backend
    finally:
        _native._set_default_backend(None)
