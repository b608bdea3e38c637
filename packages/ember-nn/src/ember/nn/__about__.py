__version__ = "0.1.0"
# The op-table contract (ember.__about__.OPS_SCHEMA) this package was written for.
REQUIRES_OPS_SCHEMA = 1
