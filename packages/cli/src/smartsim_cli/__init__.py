"""smartsim-cli: the administration command line of SmartSim."""
