#!/usr/bin/env bash
# Prepare a development environment from a fresh clone: system packages a fresh Debian 12 lacks
# (a C compiler for the AI module, venv support) and a virtual environment with the three
# packages installed in editable mode plus the test tools.
#
# Usage: source scripts/setup-env.sh   (or: bash scripts/setup-env.sh)
# Environment: SMARTSIM_VENV (default .venv), SMARTSIM_APT_EXTRA (more Debian packages).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${SMARTSIM_VENV:-$repo_root/.venv}"
python="${PYTHON:-python3}"

need_apt=()
command -v gcc >/dev/null 2>&1 || need_apt+=(gcc libc6-dev)
"$python" -c "import venv, ensurepip" >/dev/null 2>&1 || need_apt+=(python3-venv)
for extra in ${SMARTSIM_APT_EXTRA:-}; do
    dpkg -s "$extra" >/dev/null 2>&1 || need_apt+=("$extra")
done
if [ "${#need_apt[@]}" -gt 0 ]; then
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    echo "Installing system packages: ${need_apt[*]}"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --upgrade pip
# Editable installs build the AI module from packages/orchestration/src/smartsim/server/module.
"$venv/bin/python" -m pip install -q -r "$repo_root/requirements-dev.txt"
