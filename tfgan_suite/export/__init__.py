"""Ship generators: SavedModel for TF Serving, TFLite for mobile.

    export_saved_model(model, "models")              # models/generator/1/ + warmup requests
    export_tflite(model, "g.tflite")                 # a model or generator, or a SavedModel dir
    export_tflite("models/generator/1", "g.tflite", quantize="int8", representative_z=z)
    TFLiteGenerator("g.tflite").generate(z)          # run it with LiteRT
    export_saved_model(conversion_model, "models", statistics=speakers)   # voice conversion
    export_saved_model(model, "models", max_batch=64)  # refuse requests of more than 64 rows
"""

from tfgan_suite.export import limits, speech
from tfgan_suite.export.saved_model import export_saved_model, images_to_uint8
from tfgan_suite.export.speech import TFLitePostfilter, TFLiteVoiceConverter
from tfgan_suite.export.tflite import (
                                       QUANTIZE_MODES,
                                       TFLiteGenerator,
                                       TFLiteTranslator,
                                       export_tflite,
)

__all__ = ["QUANTIZE_MODES", "TFLiteGenerator", "TFLitePostfilter", "TFLiteTranslator",
           "TFLiteVoiceConverter",
           "export_saved_model", "export_tflite", "images_to_uint8", "limits", "speech"]
