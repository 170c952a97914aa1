"""Pictures: decoding files, framing drawings as the data set is framed, and the input recipe
that turns pixels into a model's input."""
