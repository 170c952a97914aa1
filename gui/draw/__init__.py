"""The drawing canvas tab: draw (or open) an item and see what every model thinks of it.

Import the panel from gui.draw.canvas_panel; this package's __init__ stays empty of imports so
that loading it never pulls in torch.
"""
