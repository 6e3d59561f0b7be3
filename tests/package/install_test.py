#!/usr/bin/env python3
"""`cmake --install` lays eved out where Linux packagers expect it.

    install_test.py --build DIR --version X.Y.Z --prefix PREFIX --sysconfdir DIR

Installs the build tree as a package build does: under the configured
PREFIX (CMAKE_INSTALL_PREFIX), staged in a fresh temporary DESTDIR, because
the systemd unit names the installed paths and those are fixed when
configuring. Checks the layout under DESTDIR: PREFIX/bin/eved runs and says
its version, SYSCONFDIR/eved/eved.json (CMAKE_INSTALL_FULL_SYSCONFDIR, the
directory the unit names) is a config eved accepts, the docs are in
PREFIX/share/doc/eved, the systemd unit is in PREFIX/lib/systemd/system and
its ExecStart runs that installed eved with that installed config, and
nothing else is installed. The config listens on the default port, and a
second install (an upgrade) keeps an edited config byte for byte.
"""
import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile


def exec_start(unit_text):
    """The arguments of a unit's ExecStart line ([] if it has none)."""
    for line in unit_text.splitlines():
        if line.startswith("ExecStart="):
            return shlex.split(line[len("ExecStart="):])
    return []


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--prefix", required=True, help="the configured CMAKE_INSTALL_PREFIX")
    ap.add_argument("--sysconfdir", required=True, help="CMAKE_INSTALL_FULL_SYSCONFDIR")
    ap.add_argument("--source", required=True, help="the source tree: every page of its docs/ must be installed")
    args = ap.parse_args()
    destdir = tempfile.mkdtemp(prefix="eved-install-")
    # DESTDIR is prepended to the absolute install paths, so it is joined by
    # hand: os.path.join would drop it before an absolute prefix.
    root = destdir + args.prefix
    confdir = os.path.join(destdir + args.sysconfdir, "eved")
    failures = []

    def check(cond, what):
        if not cond:
            failures.append(what)
        return cond

    def same_file(a, b):
        return os.path.exists(a) and os.path.exists(b) and os.path.samefile(a, b)

    try:
        env = dict(os.environ, DESTDIR=destdir)
        p = subprocess.run(["cmake", "--install", args.build], capture_output=True, text=True,
                           env=env)
        if p.returncode != 0:
            print("FAIL install: cmake --install: %s%s" % (p.stdout, p.stderr))
            return 1
        eved = os.path.join(root, "bin", "eved")
        if check(os.access(eved, os.X_OK), "bin/eved is not an executable"):
            out = subprocess.run([eved, "--version"], capture_output=True, text=True).stdout
            check(out.strip() == "eved " + args.version, "bin/eved --version says %r" % out)
        config = os.path.join(confdir, "eved.json")
        if check(os.path.isfile(config), "%s/eved/eved.json missing" % args.sysconfdir) and \
                os.access(eved, os.X_OK):
            p = subprocess.run([eved, "check-config", config], capture_output=True, text=True)
            check(p.returncode == 0, "the installed config is refused: " + p.stdout + p.stderr)
        docs = os.path.join(root, "share", "doc", "eved")
        check(os.path.isfile(os.path.join(docs, "README.md")), "share/doc/eved/README.md missing")
        for page in sorted(os.listdir(os.path.join(args.source, "docs"))):
            check(os.path.isfile(os.path.join(docs, "docs", page)), "share/doc/eved/docs/%s missing" % page)
        unit = os.path.join(root, "lib", "systemd", "system", "eved.service")
        if check(os.path.isfile(unit), "lib/systemd/system/eved.service missing"):
            with open(unit) as f:
                argv = exec_start(f.read())
            # The paths in the unit are the target machine's: DESTDIR plus
            # each must be the file this install wrote.
            if check(len(argv) == 4 and argv[1:3] == ["run", "--config"],
                     "the unit's ExecStart is not `EVED run --config FILE`: %r" % argv):
                check(os.path.isabs(argv[0]) and same_file(destdir + argv[0], eved),
                      "the unit's ExecStart runs %s, not the installed %s" %
                      (argv[0], os.path.join(args.prefix, "bin", "eved")))
                check(os.path.isabs(argv[3]) and same_file(destdir + argv[3], config),
                      "the unit's config is %s, not the installed %s" %
                      (argv[3], os.path.join(args.sysconfdir, "eved", "eved.json")))
        # A new install listens on the default port (src/base/config.h).
        if os.path.isfile(config):
            with open(config) as f:
                listen = json.load(f).get("listen")
            check(listen == ["127.0.0.1:19850"], "the installed config listens on %r, want 127.0.0.1:19850" % listen)
            # An upgrade (the next `cmake --install`) keeps the administrator's
            # config byte for byte: its port above all.
            edited = b'{"listen": ["127.0.0.1:8080"], "max_connections": 7}\n'
            with open(config, "wb") as f:
                f.write(edited)
            p = subprocess.run(["cmake", "--install", args.build], capture_output=True, text=True, env=env)
            check(p.returncode == 0, "the second cmake --install failed: %s%s" % (p.stdout, p.stderr))
            with open(config, "rb") as f:
                check(f.read() == edited, "a second cmake --install replaced the edited %s" % config)
        # Nothing else is installed: no static libraries or headers.
        expected = [os.path.join(root, "bin", "eved"), confdir + os.sep,
                    os.path.join(root, "share", "doc", "eved") + os.sep,
                    os.path.join(root, "lib", "systemd", "system") + os.sep]
        extra = []
        for top, _, files in os.walk(destdir):
            for name in files:
                path = os.path.join(top, name)
                if not path.startswith(tuple(expected)):
                    extra.append(os.path.relpath(path, destdir))
        check(not extra, "unexpected files installed: %s" % extra)
    finally:
        shutil.rmtree(destdir, ignore_errors=True)
    if failures:
        print("FAIL install:\n  " + "\n  ".join(failures))
        return 1
    print("ok install (under %s, with the systemd unit)" % args.prefix)
    return 0


if __name__ == "__main__":
    sys.exit(main())
