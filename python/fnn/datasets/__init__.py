"""Small datasets bundled with fnn."""
from ._digits import load_digits

__all__ = ["load_digits"]
