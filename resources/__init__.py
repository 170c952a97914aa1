"""Data files only (icons, the .desktop launcher, screenshots); a package so installs carry them."""
