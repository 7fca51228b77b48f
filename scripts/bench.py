#!/usr/bin/env python3
"""Benchmark mesh-lint on many-namespace meshes against rapidyaml's parse alone.

usage: scripts/bench.py [--bin target/release/mesh-lint] [--namespaces 1000,8000] [--runs 5]
                        [--dir /tmp/mesh-lint-bench] [--python PYTHON]

Generates one corpus per namespace count with scripts/gen-corpus.py (one file per namespace),
then for each corpus runs, alternately and `--runs` times after one warm-up each:

  A  mesh-lint -o json --fail-on never DIR          (all rules, JSON to /dev/null)
  B  rapidyaml's parse alone: one ryml.parse_in_arena per file, in a fresh interpreter

and prints medians of wall and CPU time, the ratio A/B (pair by pair, so drift of a shared
machine cancels), the cost per object at the largest corpus against the smallest, peak RSS of the
mesh-lint process (ru_maxrss from wait4, what `/usr/bin/time -v` reports as "Maximum resident
set size") against the corpus size, and the latency of linting one small file.

B needs the PyPI package `rapidyaml` in the interpreter given by --python (default: this one);
for example `python3 -m venv /tmp/ryml && /tmp/ryml/bin/pip install rapidyaml`.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

RYML_PARSE = """
import os, sys, ryml
root = sys.argv[1]
for name in sorted(os.listdir(root)):
    with open(os.path.join(root, name), "rb") as fh:
        ryml.parse_in_arena(fh.read())
"""


def run(cmd):
    """Runs `cmd` with its output thrown away; returns (wall s, CPU s, peak RSS bytes, status)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss * 1024, proc.returncode


def corpus(base, namespaces):
    """Generates (once) the corpus of `namespaces` namespaces; returns (dir, bytes, objects)."""
    gen = os.path.join(HERE, "gen-corpus.py")
    out = os.path.join(base, f"ns-{namespaces}")
    if not os.path.isdir(out) or len(os.listdir(out)) != namespaces:
        subprocess.run([sys.executable, gen, out, str(namespaces)], check=True,
                       stdout=subprocess.DEVNULL)
    size = objects = 0
    for name in os.listdir(out):
        with open(os.path.join(out, name), "rb") as fh:
            text = fh.read()
        size += len(text)
        objects += text.count(b"\nkind: ") + text.startswith(b"kind: ")
    return out, size, objects


def mib(n):
    return n / (1 << 20)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default="target/release/mesh-lint")
    ap.add_argument("--namespaces", default="1000,8000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--dir", default="/tmp/mesh-lint-bench")
    ap.add_argument("--python", default=sys.executable,
                    help="an interpreter with the PyPI package rapidyaml")
    args = ap.parse_args()
    counts = [int(c) for c in args.namespaces.split(",")]
    check = subprocess.run([args.python, "-c", "import ryml"], capture_output=True)
    if check.returncode != 0:
        sys.exit(f"{args.python} cannot import ryml: pip install rapidyaml (see --help)")

    rows = []
    for count in counts:
        out, size, objects = corpus(args.dir, count)
        lint = [args.bin, "-o", "json", "--fail-on", "never", out]
        ryml = [args.python, "-c", RYML_PARSE, out]
        status = run(lint)[3]
        if status != 0:
            sys.exit(f"{' '.join(lint)} exited {status}")
        run(ryml)
        a, b, a_cpu, b_cpu, rss = [], [], [], [], []
        for _ in range(args.runs):
            wall, cpu, peak, _ = run(lint)
            a.append(wall)
            a_cpu.append(cpu)
            rss.append(peak)
            wall, cpu, _, _ = run(ryml)
            b.append(wall)
            b_cpu.append(cpu)
        rows.append(dict(count=count, size=size, objects=objects, a=a, b=b, a_cpu=a_cpu,
                         b_cpu=b_cpu, rss=rss))
        print(f"{count} namespaces: {len(os.listdir(out))} files, {mib(size):.1f} MiB, "
              f"{objects} objects", flush=True)

    # Wall time is what users wait for; CPU time (user + sys) is what a shared, loaded machine
    # still measures steadily. Both are medians; ratios are taken pair by pair.
    print(f"{'namespaces':>10} {'objects':>8} {'MiB':>6} {'figure':>6} {'mesh-lint s':>11} "
          f"{'rapidyaml s':>11} {'ratio':>6} {'us/object':>9} {'peak RSS MiB':>12} "
          f"{'RSS/corpus':>10}")
    for r in rows:
        peak = max(r["rss"])
        for figure, a, b in (("wall", r["a"], r["b"]), ("cpu", r["a_cpu"], r["b_cpu"])):
            ratio = statistics.median(x / y for x, y in zip(a, b))
            lint = statistics.median(a)
            r[f"per_object_{figure}"] = lint / r["objects"]
            print(f"{r['count']:>10} {r['objects']:>8} {mib(r['size']):>6.1f} {figure:>6} "
                  f"{lint:>11.3f} {statistics.median(b):>11.3f} {ratio:>6.2f} "
                  f"{r[f'per_object_{figure}'] * 1e6:>9.2f} {mib(peak):>12.0f} "
                  f"{peak / r['size']:>9.1f}x")
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        for figure in ("wall", "cpu"):
            scaling = last[f"per_object_{figure}"] / first[f"per_object_{figure}"]
            print(f"cost per object at {last['count']} namespaces / at {first['count']} "
                  f"({figure}): {scaling:.2f}x")

    small = os.path.join(args.dir, f"ns-{counts[0]}", "team-00000.yaml")
    one = [args.bin, "-o", "json", "--fail-on", "never", small]
    run(one)
    latency = statistics.median(run(one)[0] for _ in range(max(args.runs, 20)))
    print(f"one small file ({os.path.getsize(small)} bytes): {latency * 1000:.1f} ms median")


if __name__ == "__main__":
    main()
