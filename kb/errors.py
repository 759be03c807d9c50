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


class NoKnowledgeBase(StorageError):
    """A read-only command found no database: nothing was ever initialised there."""


class NeedsUpgrade(StorageError):
    """The database schema is older than this version of the code (run `kb init`)."""


class DatabaseTooNew(StorageError):
    """The database was migrated by a newer version of the code than this one."""


class DatabaseDamaged(StorageError):
    """The database file is not a SQLite database, or it is corrupt."""


class ReadOnlyHome(StorageError):
    """A command needs to write, and KB_HOME (or the database's directory) is read-only."""


class DiskFull(StorageError):
    """The disk holding KB_HOME has no space left; the failed transaction was rolled back."""


class IndexMissing(StorageError):
    """A read-only command found no search index (run `kb reindex`)."""
