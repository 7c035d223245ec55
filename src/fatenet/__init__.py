"""fatenet: evolve regulatory networks whose noisy cell rows self-organise informative fate patterns."""

from .config import Config, ConfigError

__version__ = "0.1.0"
__all__ = ["Config", "ConfigError", "__version__"]
