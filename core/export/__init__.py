"""Export: TorchScript and ONNX files, and a training script that repeats a run."""


class ExportError(Exception):
    """The export cannot be made or did not pass its check; the message is one line."""
