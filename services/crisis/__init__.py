"""Crisis recognition (suicide, overdose, violence) and the immediate response."""
