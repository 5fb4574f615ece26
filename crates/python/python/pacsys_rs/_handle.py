"""What the sync and asyncio subscription handles both report, read from the native
subscription (``self._sub``): one place for the counters."""

from __future__ import annotations

from typing import Any, Optional


class _Counts:
    """``exc``, ``dropped``, ``gaps``, ``disconnects``, ``gap_seconds``, ``drfs``."""

    _sub: Any

    @property
    def exc(self) -> Optional[BaseException]:
        """The error that ended the stream for good, else ``None``."""
        return self._sub.exc

    @property
    def dropped(self) -> int:
        """Readings lost because the buffer was full."""
        return self._sub.dropped

    @property
    def gaps(self) -> int:
        """Reconnections after a lost connection."""
        return self._sub.gaps

    @property
    def disconnects(self) -> int:
        """Times the connection was lost."""
        return self._sub.disconnects

    @property
    def gap_seconds(self) -> float:
        """Total length of the gaps, in seconds."""
        return self._sub.gap_seconds

    @property
    def drfs(self) -> list:
        """The requests."""
        return self._sub.drfs
