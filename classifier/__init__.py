"""Topic, request type and department of a caller's words: jieba tokens, scikit-learn linear models.

Public entry points: `classifier.train.train_all`, `classifier.predictor.load_predictor`,
`classifier.evaluate.evaluate_topic`, and the Typer app in `classifier.cli`.
"""
