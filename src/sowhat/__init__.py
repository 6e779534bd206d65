"""Sowhat: outcome-based OKRs as code.

Key results are measurable changes in behaviour, computed from a team's own product events;
every bet is linked to the outcome it should move and checked against it afterwards.
"""

__version__ = "0.1.0"
