"""Chinese plate reading: detection, rectification, recognition, grammar, tracking."""

from gangting.identification.plates.colour import PlateColour, PlateType
from gangting.identification.plates.reader import PlateRead, PlateReader
from gangting.identification.plates.tracker import PlateTracker, VehicleRead

__all__ = ["PlateColour", "PlateRead", "PlateReader", "PlateTracker", "PlateType", "VehicleRead"]
