"""Demerit points (记分): scoring cycles, full score, study deduction."""
