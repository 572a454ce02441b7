"""Reusable panel builders for the opskpi dashboards."""
