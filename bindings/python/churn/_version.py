"""The version of this Python package (it follows the C library it was written for)."""
__version__ = "1.1.0"
