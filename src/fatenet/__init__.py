"""fatenet: evolve regulatory networks whose noisy cell rows self-organise informative fate patterns."""

from . import portability

portability.apply_at_import()  # before anything imports jax or scipy's OpenBLAS (see fatenet.portability)

from .config import Config, ConfigError  # noqa: E402
from .strategies import requirements as _requirements  # noqa: E402, F401  (registers the strategies' settings checks)

__version__ = "0.1.0"
__all__ = ["Config", "ConfigError", "__version__"]
