"""The booth node: kiosk screens and API, hardware adapters, talking to the centre."""
