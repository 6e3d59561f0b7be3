#!/usr/bin/env python3
"""eve as an outside program sees it: src/poller configured on its own,
installed into a fresh prefix, then used through that prefix alone.

    eve_package_test.py --source TOP --work DIR [--mingw --wrapper WINE_RUN] STEP

Steps (one ctest entry each, package.<native|wine>.<step>):
  install        cmake -S src/poller, build, install into DIR/prefix; the
                 installed files are exactly the public ones, and the
                 shared library exports exactly the functions the headers
                 mark EVE_API
  public_header  <eve/eve_poller.h> compiles alone as C99, C11 and C++11
                 with -Wall -Wextra -pedantic -Werror (on Windows also
                 before and after <windows.h>)
  echo_cmake     examples/echo built with find_package(eve), against the
                 shared and the static library, and run
  echo_pkgconfig the same built with pkg-config eve / eve-static, and run
Every step after install uses only what install left in DIR/prefix.
"""
import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import time

FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL " + what)
    return cond


def run(cmd, env=None, cwd=None):
    p = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("%s exited %d:\n%s%s" % (" ".join(cmd), p.returncode, p.stdout[-3000:],
                                                    p.stderr[-3000:]))
    return p.stdout


class Target:
    def __init__(self, args):
        self.args = args
        self.mingw = args.mingw
        self.prefix = os.path.join(args.work, "prefix")
        self.cc = "x86_64-w64-mingw32-gcc" if self.mingw else "gcc"
        self.cxx = "x86_64-w64-mingw32-g++" if self.mingw else "g++"
        self.toolchain = ["-DCMAKE_TOOLCHAIN_FILE=" + os.path.join(args.source, "cmake", "mingw-w64.cmake")] \
            if self.mingw else []
        self.exe = ".exe" if self.mingw else ""

    def path(self, *parts):
        return os.path.join(self.prefix, *parts)

    def pkg_env(self):
        env = dict(os.environ)
        # Only this prefix's .pc files: not the build machine's own.
        env["PKG_CONFIG_LIBDIR"] = self.path("lib", "pkgconfig")
        env.pop("PKG_CONFIG_PATH", None)
        return env


def step_install(t):
    build = os.path.join(t.args.work, "eve-build")
    shutil.rmtree(t.args.work, ignore_errors=True)
    os.makedirs(t.args.work)
    run(["cmake", "-S", os.path.join(t.args.source, "src", "poller"), "-B", build,
         "-DCMAKE_BUILD_TYPE=Release", "-DCMAKE_INSTALL_PREFIX=" + t.prefix] + t.toolchain)
    run(["cmake", "--build", build, "--parallel", "2"])
    run(["cmake", "--install", build])

    installed = sorted(os.path.relpath(os.path.join(d, f), t.prefix)
                       for d, _, files in os.walk(t.prefix) for f in files)
    print("installed:\n  " + "\n  ".join(installed))
    headers = sorted(f for f in installed if f.startswith("include/"))
    check(headers == ["include/eve/eve_error.h", "include/eve/eve_export.h",
                      "include/eve/eve_poller.h", "include/eve/eve_version.h"],
          "the public headers, and only they, under include/eve: %s" % headers)
    want = ["lib/libeve.a", "lib/cmake/eve/eveConfig.cmake", "lib/cmake/eve/eveConfigVersion.cmake",
            "lib/pkgconfig/eve.pc", "lib/pkgconfig/eve-static.pc"]
    want += ["bin/eve.dll", "lib/libeve.dll.a"] if t.mingw else ["lib/libeve.so"]
    for f in want:
        check(f in installed or os.path.islink(t.path(f)), "%s is installed" % f)

    api = public_functions(t)
    exported = exports(t)
    check(api, "the headers mark some functions EVE_API")
    check(exported == api, "the shared library exports exactly the EVE_API functions; "
          "exported but not public: %s; public but not exported: %s"
          % (sorted(exported - api), sorted(api - exported)))
    if exported == api:
        print("%d public functions, all exported, nothing else" % len(api))


def public_functions(t):
    """The functions the installed headers declare for this target, read
    after the preprocessor (so Windows-only ones count on Windows only),
    with EVE_API expanded as the library's own build expands it."""
    src = os.path.join(t.args.work, "api.c")
    with open(src, "w") as f:
        f.write("#include <eve/eve_poller.h>\n")
    out = run([t.cc, "-E", "-DEVE_BUILDING_SHARED", "-I" + t.path("include"), src])
    ours, keep = [], False
    for line in out.splitlines():
        m = re.match(r'# \d+ "([^"]+)"', line)
        if m:
            keep = "/include/eve/" in m.group(1)
        elif keep:
            ours.append(line)
    names = set()
    for decl in " ".join(ours).split(";"):
        m = re.search(r"\b(eve_\w+)\s*\(", decl)
        if not m or re.match(r"\s*(typedef|static)\b", decl) or "{" in decl:
            continue
        if "visibility" in decl or "dllexport" in decl:
            names.add(m.group(1))
        else:
            # A function declared without EVE_API would be missing from the library.
            check(False, "%s is declared without EVE_API" % m.group(1))
    return names


def exports(t):
    if t.mingw:
        out = run(["x86_64-w64-mingw32-objdump", "-p", t.path("bin", "eve.dll")])
        # The name table runs from its heading to the first blank line.
        table = out.split("[Ordinal/Name Pointer] Table", 1)
        rows = table[1].lstrip("\n").split("\n\n", 1)[0] if len(table) == 2 else ""
        return set(re.findall(r"\]\s+(\w+)\s*$", rows, re.M))
    out = run(["nm", "-D", "--defined-only", t.path("lib", "libeve.so")])
    return {line.split()[-1] for line in out.splitlines() if re.search(r" [TDBR] ", line)}


def step_public_header(t):
    src = os.path.join(t.args.work, "header")
    os.makedirs(src, exist_ok=True)
    orders = {"alone": "#include <eve/eve_poller.h>\n"}
    if t.mingw:
        orders["before_windows_h"] = "#include <eve/eve_poller.h>\n#include <windows.h>\n"
        orders["after_windows_h"] = "#include <winsock2.h>\n#include <windows.h>\n#include <eve/eve_poller.h>\n"
    body = "int eve_header_check(void) { return EVE_OK + (int)EVE_INTEREST_READ + EVE_VERSION_MAJOR * 0; }\n"
    for name, head in orders.items():
        for std, compiler, ext in (("c99", t.cc, "c"), ("c11", t.cc, "c"), ("c++11", t.cxx, "cpp")):
            f = os.path.join(src, "%s_%s.%s" % (name, std.replace("+", "x"), ext))
            with open(f, "w") as out:
                out.write(head + "#include <eve/eve_version.h>\n" + body)
            try:
                run([compiler, "-std=" + std, "-Wall", "-Wextra", "-pedantic", "-Werror", "-fsyntax-only",
                     "-I" + t.path("include"), f])
                print("ok %s %s" % (std, name))
            except RuntimeError as e:
                check(False, "the header as %s, %s: %s" % (std, name, e))


def step_echo_cmake(t):
    example = os.path.join(t.args.source, "examples", "echo")
    for link in ("eve::eve", "eve::eve_static"):
        build = os.path.join(t.args.work, "echo-cmake-" + link.split("::")[1])
        shutil.rmtree(build, ignore_errors=True)
        run(["cmake", "-S", example, "-B", build, "-DCMAKE_PREFIX_PATH=" + t.prefix,
             "-DEVE_LINK=" + link, "-DCMAKE_BUILD_TYPE=Release"] + t.toolchain)
        run(["cmake", "--build", build])
        exercise(t, os.path.join(build, "echo" + t.exe), shared=(link == "eve::eve"))


def step_echo_pkgconfig(t):
    example = os.path.join(t.args.source, "examples", "echo")
    os_file = "echo_win.c" if t.mingw else "echo_posix.c"
    system = ["-lws2_32"] if t.mingw else ["-pthread"]
    defines = [] if t.mingw else ["-D_POSIX_C_SOURCE=200809L", "-D_DEFAULT_SOURCE"]
    for package, shared in (("eve", True), ("eve-static", False)):
        flags = run(["pkg-config", "--cflags", "--libs", package], env=t.pkg_env()).split()
        print("pkg-config --cflags --libs %s: %s" % (package, " ".join(flags)))
        out = os.path.join(t.args.work, "echo-pc-%s%s" % (package, t.exe))
        run([t.cc, "-std=c11", "-Wall", "-Wextra", "-Werror"] + defines +
            [os.path.join(example, "echo.c"), os.path.join(example, os_file), "-o", out] + flags + system)
        exercise(t, out, shared)


def links_shared(t, exe):
    if t.mingw:
        return "DLL Name: eve.dll" in run(["x86_64-w64-mingw32-objdump", "-p", exe])
    return re.search(r"NEEDED.*libeve\.so", run(["readelf", "-d", exe])) is not None


def exercise(t, exe, shared):
    name = os.path.basename(os.path.dirname(exe)) + "/" + os.path.basename(exe)
    check(links_shared(t, exe) == shared, "%s links the %s library" % (name, "shared" if shared else "static"))
    env = dict(os.environ)
    if shared and t.mingw:
        # Windows finds a DLL beside the program: that is how one ships.
        shutil.copy(t.path("bin", "eve.dll"), os.path.dirname(exe))
    elif shared:
        env["LD_LIBRARY_PATH"] = t.path("lib")
    cmd = ([t.args.wrapper] if t.mingw else []) + [exe]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    try:
        line = proc.stdout.readline()
        m = re.search(r"listening on (\d+)", line)
        if not check(m, "%s says where it listens (it said %r)" % (name, line)):
            return
        print("%s: %s" % (name, line.strip()))
        with socket.create_connection(("127.0.0.1", int(m.group(1))), timeout=20) as s:
            f = s.makefile("rwb")

            def ask(text):
                f.write(text.encode())
                f.flush()
                return f.readline().decode()

            check(ask("hello, eve\n") == "hello, eve\n", "%s echoes a line" % name)
            # The second thread posts its wake-up 50 ms after start.
            deadline, answer = time.time() + 20, ""
            while time.time() < deadline:
                answer = ask("wakeups?\n")
                if answer != "wakeups 0\n":
                    break
                time.sleep(0.05)
            check(answer == "wakeups 1\n", "%s: the other thread's wake-up reached the loop once (%r)"
                  % (name, answer))
            check(ask("quit\n") == "bye\n", "%s says bye" % name)
        rc = proc.wait(timeout=30)
        check(rc == 0, "%s exits 0 (%d): %s" % (name, rc, proc.stderr.read()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


STEPS = {"install": step_install, "public_header": step_public_header,
         "echo_cmake": step_echo_cmake, "echo_pkgconfig": step_echo_pkgconfig}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--mingw", action="store_true")
    ap.add_argument("--wrapper")
    ap.add_argument("step", choices=sorted(STEPS))
    args = ap.parse_args()
    args.source, args.work = os.path.abspath(args.source), os.path.abspath(args.work)
    try:
        STEPS[args.step](Target(args))
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
        check(False, "%s: %s" % (args.step, e))
    if FAILURES:
        print("%d check(s) failed" % len(FAILURES))
        return 1
    print("ok " + args.step)
    return 0


if __name__ == "__main__":
    sys.exit(main())
