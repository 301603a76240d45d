"""Identification on the booth node, offline on its CPU: plates from camera frames
(``plates``), ID cards and health certificates from a document camera (``documents``),
and the live face against the ID-card photo (``faces``)."""
