"""The vector selectors of a PromQL expression, for the fleet kit's tests.

No PromQL parser ships with Debian's Prometheus 2.42 for Python (and its
API's parse_query came later), so this is a tokenizer that knows enough of
the grammar for the kit's expressions: strings, ranges and matcher braces
are single tokens; a name followed by "(" is a function or aggregation; the
label lists of by/without/on/ignoring/group_left/group_right are skipped.
Its callers check it on an expression of known selectors first.
"""
import re

KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
            "bool", "offset", "atan2", "inf", "nan"}
AGGREGATIONS = {"sum", "avg", "min", "max", "count", "stddev", "stdvar", "topk", "bottomk",
                "quantile", "count_values", "group"}
TOKEN = re.compile(r"""\s+|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`|\[[^\]]*\]|\{(?:[^}"]|"(?:[^"\\]|\\.)*")*\}"""
                   r"""|[0-9]+(?:\.[0-9]*)?(?:e[+-]?[0-9]+)?[a-z]*|[a-zA-Z_:][a-zA-Z0-9_:]*|.""")


def selectors(expr):
    """The vector selectors of a PromQL expression, ranges dropped:
    a metric name (with its matchers) that is not a function, an
    aggregation, a keyword or a label of a grouping clause."""
    toks = [t for t in TOKEN.findall(expr) if not t.isspace()]
    out = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else ""
        if tok in ("by", "without", "on", "ignoring", "group_left", "group_right") and nxt == "(":
            i = toks.index(")", i) + 1  # the label list
            continue
        if re.match(r"^[a-zA-Z_:]", tok) and tok not in KEYWORDS and tok not in AGGREGATIONS and nxt != "(":
            if nxt.startswith("{"):
                out.append(tok + nxt)
                i += 2
                continue
            out.append(tok)
        elif tok.startswith("{"):
            out.append(tok)
        i += 1
    return out


# An expression whose selectors are known, for callers to check this
# tokenizer on before trusting it.
SAMPLE = ('sum without (mode) (rate(a_total{x=~"y|z", w!="}"}[5m])) / on (instance) group_left (k) '
          'b and predict_linear(c[6h], 24 * 3600) < 0 unless label_replace(d, "l", "v", "", "") '
          'or sum by (q) ({__name__="e"}) > bool 0.5')
SAMPLE_SELECTORS = ['a_total{x=~"y|z", w!="}"}', "b", "c", "d", '{__name__="e"}']
