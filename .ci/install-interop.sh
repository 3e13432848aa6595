#!/usr/bin/env bash
# Installs the Python and Go OpenTelemetry SDK clients used by packages/skein/test/interop:
# a venv at packages/skein/test/interop/.venv (pinned requirements.txt) and the Go client binary at
# packages/skein/test/interop/go/bin/interop-client. Idempotent: does nothing when both are up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=packages/skein/test/interop
venv="$dir/.venv"
req="$dir/python/requirements.txt"
stamp="$venv/.requirements.sha256"

command -v python3 >/dev/null 2>&1 || { echo "install-interop: python3 not found" >&2; exit 1; }
command -v go >/dev/null 2>&1 || { echo "install-interop: go not found" >&2; exit 1; }

want=$(sha256sum "$req" | cut -d' ' -f1)
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  echo "install-interop: python venv up to date"
else
  echo "install-interop: creating $venv ($(python3 --version))"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$req"
  echo "$want" >"$stamp"
fi

# go build is itself incremental (build cache): a no-op rebuild takes well under a second.
echo "install-interop: building the Go client ($(go version | cut -d' ' -f3))"
(
  cd "$dir/go"
  go mod download
  go build -trimpath -o bin/interop-client .
)
echo "install-interop: done"
