__version__ = "0.1.0"
# The op-table contract (ember.__about__.OPS_SCHEMA) these rule tables were written for.
REQUIRES_OPS_SCHEMA = 1
