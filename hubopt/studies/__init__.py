"""Studies on top of the pipeline, side by side: compare, pareto, sweep."""
