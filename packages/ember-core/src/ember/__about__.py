__version__ = "0.1.0"
# Bumped whenever the op-table contract (Op fields, dispatcher observers) changes, so
# packages holding rule tables can refuse a core they were not written for.
OPS_SCHEMA = 1
