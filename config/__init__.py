"""opskpi configuration: ``load_settings()`` finds, parses and validates the TOML file."""

from opskpi.config.load import ConfigError, Settings, load_settings, settings_from_dict

__all__ = ["ConfigError", "Settings", "load_settings", "settings_from_dict"]
