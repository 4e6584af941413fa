"""Uploaded files: where their bytes live (a local directory or an S3-compatible
bucket), what they are (by their magic bytes), and how an upload becomes a work
order's attachment.

- store.py       the FileStore interface and its key rules
- local.py s3.py the two stores
- configured.py  the store and size limit chosen by the settings, installed at start-up
- sniff.py       file types from the first bytes (pure)
- errors.py      what can go wrong with an upload, as domain errors
- service.py     store_upload, open_content: uploads deduplicated by content
- web.py         send_content: an attachment's bytes as an HTTP response
"""
