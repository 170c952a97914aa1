"""The Replay tab: a seed notebook step by step."""
