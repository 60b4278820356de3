"""The release: one number, read by the façade, the command line and every export's tag."""

__version__ = "0.5.1"
