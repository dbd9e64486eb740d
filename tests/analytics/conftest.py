from tests.classifier.conftest import messages_dir, sample_dir, small_model  # noqa: F401  (shared fixtures)
