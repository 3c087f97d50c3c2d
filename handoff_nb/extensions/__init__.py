"""Extensions, at the SDK's module paths."""
