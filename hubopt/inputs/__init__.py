"""Stage 1 of the pipeline: the data-package contract, loading, validation, scenarios."""
