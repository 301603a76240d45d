"""Detection cases: what the detectors over the records proposed, for a supervisor's review
queue, and the supervisor's verdict, kept as a label (issue 11 §3)."""
