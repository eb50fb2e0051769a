"""A first experiment: start the Orchestrator, run one application that round-trips a tensor
through it, and shut everything down.

Run it with ``python driver.py [output directory]`` once the packages are installed
(``bash scripts/run-example.sh`` installs them and runs it).
"""

import os
import sys
from pathlib import Path

from smartsim import Experiment
from smartsim.status import SmartSimStatus

here = Path(__file__).resolve().parent
# Outputs go next to this file unless another (existing) directory is given.
exp_path = sys.argv[1] if len(sys.argv) > 1 else str(here)
exp = Experiment("hello-tensor", exp_path=exp_path, launcher="local")

# port=0 lets the database pick a free port; any fixed port works too.
db = exp.create_database(port=0, interface="lo")
exp.start(db)
print(f"Orchestrator '{db.db_identifier}' is ready at {db.get_address()[0]}")

settings = exp.create_run_settings(exe=sys.executable, exe_args=str(here / "app.py"))
model = exp.create_model("sim", settings)
try:
    exp.start(model, block=True)
    status = exp.get_status(model)[0]
    print(f"Model 'sim' finished: {status.value}")
    print(f"--- {model.name}.out ---")
    print(Path(model.path, f"{model.name}.out").read_text().rstrip())
    errors = Path(model.path, f"{model.name}.err").read_text().strip()
    if errors:
        print(f"--- {model.name}.err ---\n{errors}")
finally:
    exp.stop(db)
print(f"Orchestrator stopped: {[s.value for s in exp.get_status(db)]}")
print(exp.summary())

if status is not SmartSimStatus.STATUS_COMPLETED:
    sys.exit(1)
print(f"Outputs are in {os.path.relpath(model.path)}/")
