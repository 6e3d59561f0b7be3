#!/usr/bin/env python3
"""clang-tidy's default checks (less the one .clang-tidy explains) on every
file of ours in a build's compile_commands.json; fails on any finding.

    clang_tidy.py BUILD_DIR SOURCE_DIR

One file per clang-tidy run: clang-tidy 14 given several files at once was
seen to carry analyzer state from one to the next and report a va_list
"uninitialized" in a file that is clean on its own.
"""
import concurrent.futures
import json
import os
import subprocess
import sys

OURS = ("src/", "service/", "bench/", "tests/")


def main():
    build, source = sys.argv[1], os.path.realpath(sys.argv[2])
    with open(os.path.join(build, "compile_commands.json")) as f:
        entries = json.load(f)
    files = sorted({os.path.realpath(e["file"]) for e in entries
                    if os.path.realpath(e["file"]).startswith(tuple(
                        os.path.join(source, p) for p in OURS))})
    if not files:
        print("no files of ours in the compile database")
        return 1

    def tidy(path):
        out = subprocess.run(["clang-tidy", "-p", build, "--quiet", path],
                             capture_output=True, text=True)
        findings = [line for line in out.stdout.splitlines()
                    if " warning: " in line or " error: " in line]
        return path, findings, out.returncode

    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for path, findings, rc in pool.map(tidy, files):
            if findings or rc != 0:
                failed += 1
                print("%s:\n  %s" % (os.path.relpath(path, source),
                                     "\n  ".join(findings) or "clang-tidy exited %d" % rc))
    print("clang-tidy: %d files checked, %d with findings" % (len(files), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
