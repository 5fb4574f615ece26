"""The exception classes of pacsys_rs: one per kind of the Rust facade's ``Error``.

Every exception carries what was known as attributes: ``kind`` (the Rust ``ErrorKind``
name), ``drf``, ``facility_code``, ``error_code`` and ``status_name`` (the ACNET status, when
there is one), ``role`` (of a refused setting), ``transport`` (``"dpm"``, ``"grpc"``,
``"in-memory"``), ``server`` (``host:port``), ``elapsed`` (seconds waited) and, for a DRF
that does not parse, ``offset`` (the byte where parsing stopped).

The classes also derive from the built-in exception a pacsys user already catches:
``DrfError`` and ``InvalidRequestError`` are ``ValueError``\\ s, ``PacsysTimeoutError`` a
``TimeoutError``, ``PacsysConnectionError`` a ``ConnectionError``.
"""

from __future__ import annotations

from typing import Optional

__all__ = [
    "PacsysError",
    "DeviceError",
    "SettingRejectedError",
    "ReadError",
    "InvalidRequestError",
    "DrfError",
    "UnsupportedError",
    "ReadOnlyError",
    "PacsysTimeoutError",
    "PacsysConnectionError",
    "AuthenticationError",
    "OutcomeUnknownError",
    "ProtocolError",
    "ClosedError",
    "ConfigError",
    "ServerError",
]


class PacsysError(Exception):
    """Base class of every pacsys_rs error."""

    kind: Optional[str]
    drf: Optional[str]
    facility_code: Optional[int]
    error_code: Optional[int]
    status_name: Optional[str]
    role: Optional[str]
    transport: Optional[str]
    server: Optional[str]
    elapsed: Optional[float]
    offset: Optional[int]

    def __init__(
        self,
        message: str = "",
        *,
        kind: Optional[str] = None,
        drf: Optional[str] = None,
        facility_code: Optional[int] = None,
        error_code: Optional[int] = None,
        status_name: Optional[str] = None,
        role: Optional[str] = None,
        transport: Optional[str] = None,
        server: Optional[str] = None,
        elapsed: Optional[float] = None,
        offset: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.drf = drf
        self.facility_code = facility_code
        self.error_code = error_code
        self.status_name = status_name
        self.role = role
        self.transport = transport
        self.server = server
        self.elapsed = elapsed
        self.offset = offset


class ReadError(PacsysError):
    """A request could not be answered (the reference's name for failed reads)."""


class DeviceError(ReadError):
    """The server answered a request with an ACNET error status (``facility_code``,
    ``error_code``, ``status_name``)."""


class SettingRejectedError(DeviceError):
    """A setting was refused; ``role`` is the role it was sent with."""


class InvalidRequestError(PacsysError, ValueError):
    """The request or value is malformed; nothing was sent."""


class DrfError(InvalidRequestError):
    """A DRF does not parse; ``offset`` is the byte where parsing stopped."""


class UnsupportedError(PacsysError, NotImplementedError):
    """A valid request this operation cannot serve (a one-shot ``@N`` read, ...)."""


class ReadOnlyError(PacsysError, ValueError):
    """The target cannot be written (logger data, database properties, alarm state)."""


class PacsysTimeoutError(ReadError, TimeoutError):
    """No answer in time; ``elapsed`` is how long was waited."""


class PacsysConnectionError(ReadError, ConnectionError):
    """The connection could not be made or was lost."""


class AuthenticationError(PacsysError):
    """Missing or refused credentials (Kerberos ticket, JWT)."""


class OutcomeUnknownError(PacsysError):
    """A setting was sent but no answer came: it may or may not have been applied."""


class ProtocolError(PacsysError):
    """The server broke the protocol."""


class ClosedError(PacsysError, RuntimeError):
    """The backend was closed."""


class ConfigError(PacsysError, ValueError):
    """A ``PACSYS_*`` variable or a configuration value is invalid."""


class ServerError(PacsysError):
    """The server failed in another way."""
