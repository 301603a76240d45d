"""Fines (罚款): payment deadline and late fee (加处罚款)."""
