"""Vehicles: plates, periodic inspection and the inspection mark."""
