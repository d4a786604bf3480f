"""What every benchmark prints about the machine it ran on, and the CPU its children used."""

from __future__ import annotations

import os
import platform
import resource
from pathlib import Path


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_line() -> str:
    """One line for a results table: CPU model and cores."""
    return f"{cpu_model()}, {os.cpu_count()} cores"


def children_cpu() -> float:
    """User + system CPU seconds of finished child processes (ffmpeg, ffprobe)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
