"""surveys domain: 问卷 (Likert-scale questionnaires) answered at the kiosk after a rating,
through the receipt link, or imported from CSV; their psychometric analysis per scale."""
