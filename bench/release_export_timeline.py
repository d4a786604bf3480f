"""Diagnostic for the release-export benchmark: where the export's time and CPU go.

Not a target check: ``bench/release_export.py`` measures the target. This script runs the same
export (same generated data) and reports, per export, the CPU of this process, of GNU tar and
of the process that hashes the archive, and when that hashing process is up and done relative
to the export's start (it is wrapped, unchanged, in a few lines that log its own times). Options
lower the priority of tar or of the thread running the export, to see whether scheduling is
what keeps the hash late. It also prints sha256 rates on this machine: hashlib over a buffer
that stays in cache, over the archive read from the page cache (what the export does), and over
a memory map of it.

Usage: .venv/bin/python bench/release_export_timeline.py [--workdir DIR] [--reps 12]
       [--tar-nice N] [--thread-nice N]
"""

from __future__ import annotations

import argparse
import hashlib
import mmap
import os
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import release_export as bench  # noqa: E402

from annotator.release import tarball  # noqa: E402
from pipeline.hashing import sha256_file  # noqa: E402


def _cpu(who: int) -> float:
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def _logged_hasher(log: Path) -> str:
    """The export's hashing script, run as is, between two lines that log its start, end and
    CPU (user + sys, interpreter start included) to ``log``."""
    return (
        "import time as _t, resource as _r\n_up = _t.time()\n"
        f"exec({tarball._HASHER!r})\n"
        "_u = _r.getrusage(_r.RUSAGE_SELF)\n"
        "_cpu = _u.ru_utime + _u.ru_stime\n"
        f"open({str(log)!r}, 'a').write(f'{{_up}} {{_t.time()}} {{_cpu}}\\n')\n"
    )


def hash_rates(path: Path) -> dict[str, float]:
    """MB/s of hashlib's sha256: a 1 MiB buffer hashed repeatedly, the file read in 1 MiB
    chunks from the page cache, the file memory-mapped."""
    size = path.stat().st_size
    buf = os.urandom(1 << 20)
    t = time.perf_counter()
    h = hashlib.sha256()
    for _ in range(size >> 20):
        h.update(buf)
    hot = (size >> 20 << 20) / (time.perf_counter() - t)
    sha256_file(path)  # into the page cache
    t = time.perf_counter()
    sha256_file(path)
    read = size / (time.perf_counter() - t)
    t = time.perf_counter()
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ) as m:
        hashlib.sha256(m).hexdigest()
    mapped = size / (time.perf_counter() - t)
    return {
        "in-cache buffer": hot / 1e6,
        "read from page cache": read / 1e6,
        "memory map": mapped / 1e6,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--clips", type=int, default=1000)
    parser.add_argument("--reps", type=int, default=12)
    parser.add_argument("--tar-nice", type=int, default=0, help="niceness added to GNU tar")
    parser.add_argument(
        "--thread-nice", type=int, default=0, help="niceness of the thread that runs the export"
    )
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="release-timeline-"))
    src, out, log = work / "src", work / "out", work / "hasher.log"
    shutil.rmtree(src, ignore_errors=True)
    data = bench.make_data(src, args.clips)
    tarball._HASHER = _logged_hasher(log)
    if args.tar_nice:
        real_init = tarball.ReleaseTar.__init__

        def init(self, *a, **k) -> None:
            real_init(self, *a, **k)
            if self._proc is not None:
                os.setpriority(os.PRIO_PROCESS, self._proc.pid, args.tar_nice)

        tarball.ReleaseTar.__init__ = init

    def run_export() -> None:
        if args.thread_nice:  # Linux: a thread's niceness is its own
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), args.thread_nice)
        bench.export(*data, out)

    rows = []
    log.unlink(missing_ok=True)
    for _ in range(args.reps + 2):  # the first two warm up
        shutil.rmtree(out, ignore_errors=True)
        os.sync()
        own, kids = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
        start = time.time()
        thread = threading.Thread(target=run_export)
        thread.start()
        thread.join()
        end = time.time()
        own, kids = _cpu(resource.RUSAGE_SELF) - own, _cpu(resource.RUSAGE_CHILDREN) - kids
        rows.append((start, end, own, kids))
        shutil.rmtree(out, ignore_errors=True)
        os.sync()
        t = time.perf_counter()
        bench.plain_tar(src, out)
        rows[-1] += (time.perf_counter() - t,)
    logged = [tuple(map(float, line.split())) for line in log.read_text().splitlines()]
    ms = []
    measured = list(zip(rows, logged, strict=True))[2:]
    for (start, end, own, kids, plain), (up, done, hcpu) in measured:
        ms.append(
            {
                "plain tar": plain,
                "export": end - start,
                "hasher up": up - start,
                "hasher done": done - start,
                "CPU, this process": own,
                "CPU, GNU tar": kids - hcpu,
                "CPU, hashing process": hcpu,
            }
        )
    print(
        f"{args.clips} clips, {args.reps} exports, tar nice {args.tar_nice}, "
        f"export thread nice {args.thread_nice}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.2f}"
    )
    print("| ms | median | min | max |\n|---|---:|---:|---:|")
    for key in ms[0]:
        values = [m[key] * 1000 for m in ms]
        print(
            f"| {key} | {statistics.median(values):.1f} | {min(values):.1f} | {max(values):.1f} |"
        )
    bench.plain_tar(src, work / "ref")
    rates = hash_rates(work / "ref" / "plain.tar")
    print("sha256 rate (MB/s): " + "; ".join(f"{k} {v:.0f}" for k, v in rates.items()))
    if not args.workdir:
        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
