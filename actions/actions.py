"""The action server's entry point (`python -m rasa_sdk --actions actions.actions`).

Actions live in modules by what they do; importing them here registers them with rasa-sdk.
"""
from actions.conversation_actions import ActionAskAffirmation, ActionDefaultFallback, ActionHumanHandoff  # noqa: F401
from actions.enquiry_actions import ActionQueryCredit  # noqa: F401
from actions.filing_actions import (  # noqa: F401
    ActionSubmitFiling, AskContactName, AskContactPhone, AskFilingConfirmed, AskFilingRecord, AskFilingSubject,
    AskObjectionDescription, AskObjectionEvidence, AskObjectionGround, AskRepairCommitment, AskRepairPerformance,
    ValidateObjectionForm, ValidateRepairForm)
from actions.policy_actions import ActionAnswerPolicy  # noqa: F401
from actions.status_actions import ActionCheckStatus  # noqa: F401

__all__ = ["ActionAnswerPolicy", "ActionAskAffirmation", "ActionDefaultFallback", "ActionHumanHandoff", "ActionQueryCredit", "ActionSubmitFiling",
           "AskContactName", "AskContactPhone", "AskFilingConfirmed", "AskFilingRecord", "AskFilingSubject",
           "AskObjectionDescription", "AskObjectionEvidence", "AskObjectionGround", "AskRepairCommitment",
           "AskRepairPerformance", "ValidateObjectionForm", "ValidateRepairForm", "ActionCheckStatus"]
