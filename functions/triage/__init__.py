"""Triage: a suggested category (intent), priority and department for every new case.

Rooms beyond the common ones: ``classifier`` (pure numpy: TF-IDF features, softmax regression
over them and a sentence embedder's vectors, the model file's format). The classifier's port
(``ports.IntentClassifier`` per field, ``ports.Triage`` for the three) is what the chatbot reuses
for intents. See README "Triage".
"""
