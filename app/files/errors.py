"""What can go wrong with an uploaded file, as domain errors with stable codes."""
from __future__ import annotations

from app.errors import ConflictError, DomainError, NotFoundError, ValidationFailedError


class FileTooLargeError(DomainError):
    """The file is over the upload limit (the same status as a body over Flask's limit)."""
    code = "payload_too_large"
    http_status = 413


class EmptyFileError(ValidationFailedError):
    code = "empty_file"


class UnsupportedFileTypeError(DomainError):
    """The file's content (its magic bytes, not its name or declared type) is not a type
    this kind of attachment accepts."""
    code = "unsupported_file_type"
    http_status = 415


class UploadNotAllowedError(ConflictError):
    """The job's status does not allow this kind of file now (a signature before check-in)."""
    code = "upload_not_allowed"


class StoredFileMissingError(NotFoundError):
    """No content under this key in the file store."""
    code = "file_not_stored"
