#!/usr/bin/env bash
# The whole test suite: install everything (Debian's redis-server too, so the module is tested
# in a second server, and valgrind), check lint and types, run every test, then run the
# `valgrind` subset again with every server under valgrind memcheck (about 3 minutes). Extra
# arguments go to pytest and skip the valgrind run, as does SMARTSIM_SKIP_VALGRIND=1.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
SMARTSIM_APT_EXTRA="redis-server valgrind ${SMARTSIM_APT_EXTRA:-}" bash scripts/setup-env.sh
venv="${SMARTSIM_VENV:-$repo_root/.venv}"

echo "== ruff"
"$venv/bin/ruff" check .
"$venv/bin/ruff" format --check .
echo "== mypy"
"$venv/bin/mypy"
echo "== pytest"
# pytest exits 5 when no test ran: with `set -e` that fails the run, as it should.
if [ "$#" -gt 0 ] || [ "${SMARTSIM_SKIP_VALGRIND:-0}" = "1" ]; then
    exec "$venv/bin/python" -m pytest "$@"
fi
# Both runs always happen; the script fails if either fails, and the last line printed is the
# closing line of the valgrind run.
status=0
"$venv/bin/python" -m pytest || status=$?
echo "== pytest under valgrind (-m valgrind)"
SMARTSIM_TEST_VALGRIND=1 "$venv/bin/python" -m pytest -q -m valgrind -p no:cacheprovider || status=$?
exit "$status"
