"""The hub-siting MILP: tables → rows → arrays → Pyomo model.

* :mod:`hubopt.model.tables`: frozen label tables (what each variable index means);
* :mod:`hubopt.model.rows`: the Pyomo-free row builder and the assembled arrays;
* :mod:`hubopt.model.families`: one function per constraint family and the registry
  ``FAMILIES`` (:mod:`hubopt.model.elastic` registers diagnose's slacks there);
* :mod:`hubopt.model.conditioning`: coefficient ranges and scaling warnings;
* :mod:`hubopt.model.pyomo_bridge`: the only module touching Pyomo's private API;
* :mod:`hubopt.model.build`: :func:`~hubopt.model.build.build_model`.
"""
