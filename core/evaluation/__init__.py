"""Testing a trained model: evaluation, metrics, reports and explanations (feature maps, Grad-CAM)."""
