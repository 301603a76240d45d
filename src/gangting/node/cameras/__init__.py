"""The booth's plate cameras: frame sources (``sources``: stream, device, video file, image
sequence; ``simulated``: the demo camera), the motion gate (``gate``), the worker that reads
plates and emits one plate-read event per vehicle pass (``worker``), the sinks the events go
to (``sinks``) and the node's set of cameras (``manager``).

Import the modules themselves: this package imports nothing, so that the node's settings
(``spec``) do not pull in OpenCV and the plate reader's runtime.
"""
