"""Platform adapters: native update <-> neutral Event/Out, nothing else."""
