"""Rasa input channels of the assistant, registered by module path in bot/credentials.yml."""
