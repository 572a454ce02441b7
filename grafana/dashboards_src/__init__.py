"""One module per generated dashboard; each exposes `UID`, `FILENAME` and `build()`."""
