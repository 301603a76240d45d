"""gangting: the platform behind a city's smart traffic-police booths (交通智慧岗亭)."""

__version__ = "0.1.0"
