"""Geography of the city: district boundaries (packaged GeoJSON) and point-in-polygon tests."""
