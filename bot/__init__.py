"""Process wiring: CLI, app assembly, platform adapters."""
