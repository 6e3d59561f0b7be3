#!/usr/bin/env python3
"""`cmake --install` lays eved out where Linux packagers expect it.

    install_test.py --build DIR --version X.Y.Z [--unit]

Installs the build tree into a fresh temporary prefix and checks the
layout: bin/eved runs and says its version, etc/eved/eved.json is a config
eved accepts, the docs are in share/doc/eved, and (with --unit, when the
source tree has service/eved.service) the systemd unit is in
lib/systemd/system and starts the installed eved.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--unit", action="store_true")
    args = ap.parse_args()
    prefix = tempfile.mkdtemp(prefix="eved-install-")
    failures = []

    def check(cond, what):
        if not cond:
            failures.append(what)
        return cond

    try:
        p = subprocess.run(["cmake", "--install", args.build, "--prefix", prefix],
                           capture_output=True, text=True)
        if p.returncode != 0:
            print("FAIL install: cmake --install: %s%s" % (p.stdout, p.stderr))
            return 1
        eved = os.path.join(prefix, "bin", "eved")
        if check(os.access(eved, os.X_OK), "bin/eved is not an executable"):
            out = subprocess.run([eved, "--version"], capture_output=True, text=True).stdout
            check(out.strip() == "eved " + args.version, "bin/eved --version says %r" % out)
        config = os.path.join(prefix, "etc", "eved", "eved.json")
        if check(os.path.isfile(config), "etc/eved/eved.json missing") and os.access(eved, os.X_OK):
            p = subprocess.run([eved, "check-config", config], capture_output=True, text=True)
            check(p.returncode == 0, "the installed config is refused: " + p.stdout + p.stderr)
        docs = os.path.join(prefix, "share", "doc", "eved")
        for name in ("README.md",):
            check(os.path.isfile(os.path.join(docs, name)), "share/doc/eved/%s missing" % name)
        unit = os.path.join(prefix, "lib", "systemd", "system", "eved.service")
        if args.unit:
            if check(os.path.isfile(unit), "lib/systemd/system/eved.service missing"):
                with open(unit) as f:
                    text = f.read()
                check("ExecStart=" in text and "eved" in text, "the unit has no ExecStart for eved")
        # Nothing else is installed: no static libraries or headers.
        extra = []
        for root, _, files in os.walk(prefix):
            for name in files:
                rel = os.path.relpath(os.path.join(root, name), prefix)
                if not rel.startswith(("bin/eved", "etc/eved/", "share/doc/eved/", "lib/systemd/system/")):
                    extra.append(rel)
        check(not extra, "unexpected files installed: %s" % extra)
    finally:
        shutil.rmtree(prefix, ignore_errors=True)
    if failures:
        print("FAIL install:\n  " + "\n  ".join(failures))
        return 1
    print("ok install (%s)" % ("with the systemd unit" if args.unit else "no systemd unit in service/ yet"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
