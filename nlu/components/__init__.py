"""Custom Rasa NLU components: script/width normalisation before tokenising, entity tidying after."""
