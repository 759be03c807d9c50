"""Exceptions raised by the knowledge base; the edges turn them into messages."""


class KBError(Exception):
    """Base of every error the knowledge base reports to a user."""


class NotFound(KBError):
    """A source, document or entity that does not exist."""


class UserInputError(KBError):
    """A value given by a user that cannot be used (bad URL, bad date...)."""


class IndexBusy(KBError):
    """Another process holds the search index lock."""


class RegistryError(KBError):
    """The entity registry has a malformed or conflicting entry."""


class IndexOutdated(KBError):
    """The search index was built with another schema and must be rebuilt."""


class StorageError(KBError):
    """The database or the index cannot be used as it is; the message says what to do."""


class DatabaseTooNew(StorageError):
    """The database was migrated by a newer version of the code than this one."""
