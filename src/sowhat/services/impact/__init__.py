"""Launch impact: the KR series around a shipped bet, its estimate and the verdict in words."""
