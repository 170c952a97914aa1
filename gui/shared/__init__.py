"""Pieces every part of the window uses: the theme, small widgets, the icon, settings, start-up checks and error reports."""
