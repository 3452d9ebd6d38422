"""The rasa-sdk action server and the services it uses (database, rules, retrieval)."""
