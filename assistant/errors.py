"""The assistant's errors. Each carries a Chinese message fit to show a user."""


class AssistantError(Exception):
    """Base class: a problem the assistant can explain in one Chinese line."""


class CorpusError(AssistantError):
    """A policy file or its metadata is missing or malformed."""


class IndexNotBuiltError(AssistantError):
    """There is no usable index: it must be built first."""


class StaleIndexError(IndexNotBuiltError):
    """The index was built from another corpus or embedding model."""


class CorruptIndexError(IndexNotBuiltError):
    """The index files are damaged or incomplete."""


class InvalidQuestionError(AssistantError):
    """The question cannot be answered as asked (empty, too long, …)."""


class ModelNotFoundError(AssistantError):
    """The embedding model is not installed where the settings say."""
