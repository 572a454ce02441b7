"""Words and number formats in the configured language (pt-BR by default, English): ``strings.py``
holds every text, ``translator.py`` picks and formats them, ``format.py`` writes durations and
shares for people.

May import ``opskpi.config`` only."""
