"""Which native backend a blocking helper (``exp``, ``history``) runs on: one rule."""

from __future__ import annotations

from typing import Any

from . import _native


def native_backend(backend: Any) -> Any:
    """The default backend for ``None``, a ``pacsys_rs`` backend as it is, the one under an
    ``aio`` backend made by ``aio.dpm()``/``aio.grpc()``/``aio.wrap()``. These helpers
    block, so an ``AsyncBackend`` written in Python (whose calls are coroutines on its event
    loop) is refused with ``UnsupportedError``."""
    if backend is None:
        return _native.default_backend()
    if isinstance(backend, _native.Backend):
        return backend
    native = getattr(backend, "_native", None)
    if isinstance(native, _native.Backend):
        return native
    from .errors import UnsupportedError

    raise UnsupportedError(
        f"this helper blocks; it runs on a pacsys_rs backend (dpm(), grpc(), FakeBackend(), "
        f"or aio.dpm()/aio.grpc()), not on a {type(backend).__name__} written in Python",
        kind="unsupported",
    )
