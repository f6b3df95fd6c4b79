#!/usr/bin/env python3
"""Said against actual: runs nlbench-native in a real terminal (tmux), reads the progress bar's
time left every half second, and prints what it said at a quarter, a half and three quarters
of the run against the time the run then still took.

    scripts/time-left.py [--bin PATH] -- --quick --backend cpu --out /tmp/run

The arguments after `--` go to nlbench-native (default binary: target/release/nlbench-native).
Run it twice on a device to see the first run (no earlier times kept) and the second (which
starts from the first's)."""

import argparse
import os
import re
import shlex
import subprocess
import tempfile
import time

LEFT = re.compile(r"about (?:(\d+) h )?(?:(\d+) min ?)?(?:(\d+) s )?left( \(rough\))?")


def said(screen):
    """The last time left on the screen, in seconds, and whether it was rough."""
    found = LEFT.findall(screen)
    if not found:
        return None
    hours, minutes, seconds, rough = found[-1]
    return 3600 * int(hours or 0) + 60 * int(minutes or 0) + int(seconds or 0), bool(rough)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default="target/release/nlbench-native")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    options = parser.parse_args()
    args = [a for a in options.args if a != "--"]
    session = f"nlbench-time-left-{os.getpid()}"
    done = tempfile.mktemp(prefix="nlbench-time-left-")
    # tmux starts the command in its server's environment, not this one's: nlbench's own
    # variables (NLBENCH_CACHE_DIR, …) go along on the command line.
    passed = [f"{k}={v}" for k, v in os.environ.items() if k.startswith("NLBENCH_")]
    command = f"env {shlex.join(passed)} {shlex.quote(options.bin)} {shlex.join(args)}; touch {done}"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "160", "-y", "40", command], check=True)
    start = time.monotonic()
    samples = []
    try:
        while not os.path.exists(done):
            screen = subprocess.run(
                ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True
            ).stdout
            samples.append((time.monotonic(), said(screen)))
            time.sleep(0.5)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    end = time.monotonic()
    os.unlink(done)
    print(f"run: {end - start:.1f} s")
    for share in (0.25, 0.5, 0.75):
        at = start + share * (end - start)
        before = [(t, s) for t, s in samples if t <= at]
        moment, estimate = before[-1] if before else (at, None)
        actual = end - moment
        if estimate is None:
            print(f"at {share:.0%}: said nothing, took {actual:.0f} s")
            continue
        seconds, rough = estimate
        ratio = seconds / actual if actual > 0 else float("nan")
        print(
            f"at {share:.0%}: said {seconds} s{' (rough)' if rough else ''}, "
            f"took {actual:.0f} s (said ÷ took: {ratio:.2f})"
        )


if __name__ == "__main__":
    main()
