#!/usr/bin/env bash
# The main job: install everything, then run the example experiment (an Orchestrator on the
# embedded Valkey server and an application that round-trips a tensor through it).
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$repo_root/scripts/setup-env.sh"
exec "${SMARTSIM_VENV:-$repo_root/.venv}/bin/python" "$repo_root/examples/hello_tensor/driver.py"
