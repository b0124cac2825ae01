"""Stage 3: the MILP as sparse arrays (the source of truth) and its Pyomo model."""
