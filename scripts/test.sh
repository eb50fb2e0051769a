#!/usr/bin/env bash
# The whole test suite: install everything (Debian's redis-server too, so the module is tested
# in a second server), check lint and types, then run every test. Extra arguments go to pytest.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
SMARTSIM_APT_EXTRA="redis-server ${SMARTSIM_APT_EXTRA:-}" bash scripts/setup-env.sh
venv="${SMARTSIM_VENV:-$repo_root/.venv}"

echo "== ruff"
"$venv/bin/ruff" check .
"$venv/bin/ruff" format --check .
echo "== mypy"
"$venv/bin/mypy"
echo "== pytest"
# pytest exits 5 when no test ran: with `set -e` that fails the run, as it should.
exec "$venv/bin/python" -m pytest "$@"
