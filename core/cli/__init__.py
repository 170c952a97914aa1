"""The headless commands: the parser and dispatcher, one module per command, and what they share."""
