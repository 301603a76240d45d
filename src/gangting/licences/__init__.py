"""Driving licences (驾驶证): classes, validity, renewal, replacement, health certificate."""
