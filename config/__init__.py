"""Typed settings and the files ShopBot ships (sample config, demo catalog)."""

from config.settings import Settings, SettingsError, load_settings, shipped_file

__all__ = ["Settings", "SettingsError", "load_settings", "shipped_file"]
