"""Ship generators: SavedModel for TF Serving, TFLite for mobile.

    export_saved_model(model, "models")              # models/generator/1/ + warmup requests
    export_tflite("models/generator/1", "g.tflite", quantize="int8", representative_z=z)
"""

from tfgan_suite.export.saved_model import export_saved_model, images_to_uint8
from tfgan_suite.export.tflite import QUANTIZE_MODES, export_tflite

__all__ = ["QUANTIZE_MODES", "export_saved_model", "export_tflite", "images_to_uint8"]
