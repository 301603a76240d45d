"""Identification on the booth node: reading plates from camera frames (ID/face: later)."""
