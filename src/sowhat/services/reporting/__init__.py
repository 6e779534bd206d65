"""What a review report holds beyond the review itself: the quarterly business review (QBR)
per objective — status word, what changed in behaviour, guardrails, shipped bets and whether
each moved its KR, what carries over. Rendering lives in `sowhat.reports`.
"""
