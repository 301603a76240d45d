"""Citizens: identity numbers, masking of personal data, ages."""
