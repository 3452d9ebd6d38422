"""Custom NLU components and the Chinese training data."""
