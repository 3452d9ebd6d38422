"""Out of domain, decided by meaning: a message far from every credit request never starts one.

DIET must pick one of its intents, and its confidence is not a distance: "结婚了吗" came out as a
status query at 0.6. This gate looks at the message's sentence vector (sentence_embedding.py) and
the training examples' vectors, kept in the model:

- kNN vote: the k nearest training examples, weighted by similarity; when the out-of-domain intents
  (out_of_scope, bank_credit) outweigh the intent DIET chose, the nearer of them wins;
- distance floor: a message whose nearest example of DIET's intent is less similar than almost all
  of that intent's own examples are to each other (a low percentile, measured leave-one-out at
  training time) is out of scope.

And back: a message DIET called out of scope returns to one of its runners-up that starts nothing
(`rescuable`: inform, greet, human_handoff…) when the nearest examples vote for that one.

Only intents that start something are gated (`gated`): a lookup, a filing, a status query, a policy
question. A message with a credit code, a ticket or document number, or a subject's name is a credit
request whatever else it says.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.components.sentence_embedding import VECTOR, vectors_for

log = logging.getLogger(__name__)
FILE = "examples.npz"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class OutOfDomainGate(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "gated": ["query_credit", "file_objection", "request_repair", "check_status", "ask_policy"],
            "outside": ["out_of_scope", "bank_credit"],
            # Entities that make a message a credit request: codes, ticket and document numbers, and
            # a subject's or person's name (chit-chat carries none; "想把洛阳市…有限公司那条处罚修复掉" does).
            "anchors": ["credit_code", "ticket_id", "doc_number", "subject_name", "person_name"],
            "k": 7,
            "floor_percentile": 2.0,
            "floor_gated": ["query_credit", "file_objection", "request_repair", "check_status"],
            # The other way: a short reply DIET filed under out_of_scope ("牡丹江的", "我要跟真人讲话")
            # goes back to DIET's runner-up when the nearest examples agree with it. Never to an
            # intent that starts something: chit-chat must not be rescued into a lookup.
            "rescuable": ["inform", "greet", "goodbye", "thank", "affirm", "deny", "human_handoff",
                          "bot_challenge"],
            "runners_up": 3,
        }

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 vectors: Optional[np.ndarray] = None, labels: Optional[np.ndarray] = None,
                 floors: Optional[Dict[str, float]] = None):
        self.config = config
        self._storage, self._resource = model_storage, resource
        self.vectors = vectors
        self.labels = labels
        self.floors = floors or {}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "OutOfDomainGate":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        # The featurizer has set VECTOR on every example; embed (in one batch) any it could not reach.
        missing = [m for m in examples if m.get(VECTOR) is None]
        for message, vector in zip(missing, vectors_for([m.get(TEXT) for m in missing])):
            message.set(VECTOR, vector)
        vectors = np.stack([m.get(VECTOR) for m in examples]).astype(np.float32)
        labels = np.array([m.get(INTENT) for m in examples])
        sims = vectors @ vectors.T
        np.fill_diagonal(sims, -1.0)   # leave one out: an example is not its own neighbour
        floors = {}
        for intent in self.config["floor_gated"]:
            rows = labels == intent
            if rows.sum() > 10:
                nearest_own = sims[np.ix_(rows, rows)].max(axis=1)
                floors[intent] = float(np.percentile(nearest_own, self.config["floor_percentile"]))
        with self._storage.write_to(self._resource) as directory:
            np.savez_compressed(directory / FILE, vectors=vectors.astype(np.float16), labels=labels,
                                floor_intents=np.array(list(floors)), floor_values=np.array(list(floors.values())))
        log.info("out-of-domain floors: %s", {k: round(v, 3) for k, v in floors.items()})
        self.vectors, self.labels, self.floors = vectors, labels, floors
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "OutOfDomainGate":
        try:
            with model_storage.read_from(resource) as directory:
                with np.load(directory / FILE) as data:
                    return cls(config, model_storage, resource, data["vectors"].astype(np.float32),
                               data["labels"].astype(str),
                               dict(zip(data["floor_intents"].astype(str), map(float, data["floor_values"]))))
        except (ValueError, FileNotFoundError, OSError):
            log.warning("out-of-domain gate has no trained examples; it lets every message through")
            return cls(config, model_storage, resource)

    def _vote(self, sims: np.ndarray) -> dict[str, float]:
        """The k nearest training examples' intents, each weighted by its similarity."""
        weight: dict[str, float] = {}
        for i in np.argsort(-sims)[: self.config["k"]]:
            weight[self.labels[i]] = weight.get(self.labels[i], 0.0) + float(sims[i])
        return weight

    def inside_intent(self, vector: np.ndarray, intent: str, runners_up: list[str]) -> str | None:
        """The in-domain intent a message DIET called out of scope belongs to instead, or None."""
        weight = self._vote(self.vectors @ vector)
        candidates = [r for r in runners_up if r in self.config["rescuable"]]
        best = max(candidates, key=lambda name: weight.get(name, 0.0), default=None)
        if best and weight.get(best, 0.0) > weight.get(intent, 0.0):
            return best
        return None

    def outside_intent(self, vector: np.ndarray, intent: str) -> str | None:
        """The out-of-domain intent this message belongs to instead of `intent`, or None."""
        sims = self.vectors @ vector
        outside = self.config["outside"]
        weight = self._vote(sims)
        best_outside = max(outside, key=lambda name: weight.get(name, 0.0))
        if weight.get(best_outside, 0.0) > weight.get(intent, 0.0):
            return best_outside
        floor = self.floors.get(intent)
        if floor is not None:
            own = sims[self.labels == intent]
            if own.size and float(own.max()) < floor:
                return max(outside, key=lambda name: float(sims[self.labels == name].max(initial=-1.0)))
        return None

    def process(self, messages: List[Message]) -> List[Message]:
        if self.vectors is None:
            return messages
        for message in messages:
            intent = (message.get(INTENT) or {}).get("name")
            vector = message.get(VECTOR)
            text = message.get(TEXT) or ""
            if vector is None or text.startswith("/"):
                continue
            if intent in self.config["outside"]:
                runners = [r.get("name") for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != intent]
                instead = self.inside_intent(vector, intent, runners[: self.config["runners_up"]])
            elif intent not in self.config["gated"]:
                continue
            elif any(e.get("entity") in self.config["anchors"] for e in message.get(ENTITIES) or []):
                continue
            else:
                instead = self.outside_intent(vector, intent)
            if instead:
                ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != instead]
                confidence = float((message.get(INTENT) or {}).get("confidence") or 0.0)
                message.set(INTENT, {"name": instead, "confidence": confidence}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [{"name": instead, "confidence": confidence}] + ranking,
                            add_to_output=True)
        return messages
