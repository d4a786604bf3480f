"""The largest source ingest accepts (pure: no Django; the caller passes the settings)."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.process import MediaError


@dataclass(frozen=True)
class Limits:
    """The largest source ingest accepts: frame size in either orientation, and duration.

    Checked at probe, before anything decodes a frame: a source over them could exhaust a
    worker's memory (a 16000×16000 frame is 384 MB decoded; the proxy of a ten-frame file of
    them grew past 10 GB).
    """

    max_size: tuple[int, int]  # (long side, short side) or (short, long): the order is free
    max_seconds: float

    def check(self, width: int, height: int, seconds: float | None) -> None:
        """Raise ``too_large`` or ``too_long`` for a video over the limits."""
        big, small = max(self.max_size), min(self.max_size)
        if max(width, height) > big or min(width, height) > small:
            raise MediaError(
                "too_large",
                f"The video's frames are {width}×{height}, larger than the {big}×{small} this "
                "server accepts (in either orientation); please scale it down.",
            )
        if seconds is not None and seconds > self.max_seconds:
            raise MediaError(
                "too_long",
                f"The video lasts {_duration(seconds)}, longer than the "
                f"{_duration(self.max_seconds)} this server accepts; please cut it.",
            )


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.3g} s"
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"
