#!/usr/bin/env python3
"""What promtool does not check in the fleet kit (deploy/).

    kit_test.py

- The Grafana dashboard imports into Grafana 9 and later: a uid, schema
  version 36 or later, no id, no data source named by uid (every panel and
  query uses the ${datasource} variable), the datasource, job and instance
  variables, unique panel ids and panels inside the 24-column grid; and
  every selector of every panel is narrowed by $job and $instance, so the
  variables choose what each panel shows.
- The example targets give host:19850, eved's port, in os=linux and
  os=windows groups (prometheus.wine.fleet fills those groups).
- Every alert has a severity and a summary and description; the unit
  tests (rules_test.yml) make every alert fire at some time and stay quiet
  at another, and test every recording rule.
"""
import json
import os
import re
import sys

sys.dont_write_bytecode = True
try:
    import yaml
except ImportError:
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != "/usr/bin/python3":
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("FAIL kit: no python3 with PyYAML (Debian: python3-yaml; scripts/install-deps.sh test)")
    sys.exit(1)

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import promql  # noqa: E402

KIT = os.path.join(TOP, "deploy", "prometheus")
DASHBOARD = os.path.join(TOP, "deploy", "grafana", "eved-dashboard.json")
DS = {"type": "prometheus", "uid": "${datasource}"}

problems = []


def check(cond, what):
    if not cond:
        problems.append(what)


def walk(node, path=""):
    """Every (path, key, value) of a JSON document."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield path, k, v
            yield from walk(v, "%s/%s" % (path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, "%s/%d" % (path, i))


def dashboard():
    with open(DASHBOARD) as f:
        d = json.load(f)
    check(isinstance(d.get("uid"), str) and re.match(r"^[a-zA-Z0-9_-]{1,40}$", d["uid"]),
          "dashboard uid %r (1 to 40 of [a-zA-Z0-9_-])" % d.get("uid"))
    check(isinstance(d.get("schemaVersion"), int) and d["schemaVersion"] >= 36,
          "schemaVersion %r: Grafana 9.0 writes 36" % d.get("schemaVersion"))
    check(d.get("id") is None, "id %r: an imported dashboard must not carry its database id" % d.get("id"))
    check(d.get("title"), "a title")
    check("__inputs" not in d, "__inputs: the datasource variable replaces import-time inputs")
    for path, k, v in walk(d):
        if k == "uid" and path != "":
            check(v == "${datasource}", "%s: data source uid %r, not the ${datasource} variable" % (path, v))
    variables = {v["name"]: v for v in d.get("templating", {}).get("list", [])}
    ds = variables.get("datasource", {})
    check(ds.get("type") == "datasource" and ds.get("query") == "prometheus",
          "a datasource variable of type prometheus: %s" % ds)
    for name in ("job", "instance"):
        v = variables.get(name, {})
        check(v.get("type") == "query" and v.get("datasource") == DS,
              "variable %s: a query on ${datasource}: %s" % (name, v))
        check(re.match(r"^label_values\(.*, %s\)$" % name, v.get("query", "")),
              "variable %s lists %s label values: %r" % (name, name, v.get("query")))
    check(variables.get("instance", {}).get("multi") and variables.get("instance", {}).get("includeAll"),
          "$instance takes several hosts and All")

    panels = []
    for p in d["panels"]:
        panels.append(p)
        panels.extend(p.get("panels", []))
    ids = [p.get("id") for p in panels]
    check(len(set(ids)) == len(ids) and None not in ids, "panel ids unique: %s" % ids)
    cells, overlaps = {}, set()
    for p in panels:
        g = p.get("gridPos", {})
        check(g.get("x", -1) >= 0 and g.get("w", 0) > 0 and g["x"] + g["w"] <= 24 and g.get("h", 0) > 0,
              "panel %r inside the grid: %s" % (p.get("title"), g))
        for x in range(g.get("x", 0), g.get("x", 0) + g.get("w", 0)):
            for y in range(g.get("y", 0), g.get("y", 0) + g.get("h", 0)):
                if (x, y) in cells:
                    overlaps.add((cells[(x, y)], p.get("title")))
                cells[(x, y)] = p.get("title")
        if p.get("type") == "row":
            continue
        check(p.get("datasource") == DS, "panel %r data source %s" % (p.get("title"), p.get("datasource")))
        check(p.get("targets"), "panel %r has queries" % p.get("title"))
        for t in p.get("targets", []):
            check(t.get("datasource") == DS, "panel %r query %s data source %s"
                  % (p.get("title"), t.get("refId"), t.get("datasource")))
            sels = promql.selectors(t.get("expr", ""))
            check(sels, "panel %r: no selector in %r" % (p.get("title"), t.get("expr")))
            for s in sels:
                check('job=~"$job"' in s and 'instance=~"$instance"' in s,
                      "panel %r: %s is not narrowed by $job and $instance" % (p.get("title"), s))
    for a, b in sorted(overlaps):
        check(False, "panels %r and %r overlap" % (a, b))
    return len(panels)


def targets():
    n = 0
    for name in sorted(os.listdir(os.path.join(KIT, "targets"))):
        with open(os.path.join(KIT, "targets", name)) as f:
            groups = yaml.safe_load(f)
        check({g.get("labels", {}).get("os") for g in groups} == {"linux", "windows"},
              "%s: an os=linux and an os=windows group" % name)
        for g in groups:
            for t in g["targets"]:
                check(re.match(r"^[A-Za-z0-9.-]+:19850$", t), "%s: target %r is not host:19850" % (name, t))
                n += 1
    check(n > 0, "example targets")
    return n


def rules():
    alerts, records = {}, set()
    for name in ("eved-alerts.yml", "eved-recording.yml"):
        with open(os.path.join(KIT, "rules", name)) as f:
            for g in yaml.safe_load(f)["groups"]:
                for r in g["rules"]:
                    if "alert" in r:
                        alerts[r["alert"]] = r
                    else:
                        records.add(r["record"])
    for a, r in alerts.items():
        check(r.get("labels", {}).get("severity") in ("warning", "critical"), "%s: severity" % a)
        check({"summary", "description"} <= set(r.get("annotations", {})), "%s: summary and description" % a)
    with open(os.path.join(HERE, "rules_test.yml")) as f:
        tests = yaml.safe_load(f)["tests"]
    fires, quiet, tested = set(), set(), set()
    for t in tests:
        for at in t.get("alert_rule_test", []):
            (fires if at.get("exp_alerts") else quiet).add(at["alertname"])
        for et in t.get("promql_expr_test", []):
            tested.add(et["expr"])
    for a in alerts:
        check(a in fires, "rules_test.yml never makes %s fire" % a)
        check(a in quiet, "rules_test.yml never checks %s stays quiet" % a)
    unknown = (fires | quiet) - set(alerts)
    check(not unknown, "rules_test.yml tests alerts the rules do not have: %s" % sorted(unknown))
    for r in records:
        check(r in tested, "rules_test.yml does not test the recording rule %s" % r)
    return len(alerts), len(records)


def main():
    got = promql.selectors(promql.SAMPLE)
    check(got == promql.SAMPLE_SELECTORS, "the selector extractor: %s" % got)
    n_panels = dashboard()
    n_targets = targets()
    n_alerts, n_records = rules()
    if problems:
        for p in problems:
            print("FAIL kit: " + p)
        return 1
    print("ok kit: dashboard (%d panels), %d example targets, %d alerts and %d recording rules tested"
          % (n_panels, n_targets, n_alerts, n_records))
    return 0


if __name__ == "__main__":
    sys.exit(main())
