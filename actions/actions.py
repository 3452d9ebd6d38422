"""The action server's entry point (`python -m rasa_sdk --actions actions.actions`).

Actions live in modules by what they do; importing them here registers them with rasa-sdk.
"""
from actions.conversation_actions import ActionAskAffirmation, ActionHumanHandoff  # noqa: F401
from actions.enquiry_actions import ActionQueryCredit  # noqa: F401

__all__ = ["ActionAskAffirmation", "ActionHumanHandoff", "ActionQueryCredit"]
