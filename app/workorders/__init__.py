"""Work orders: lifecycle, events, notes, attachments and templates."""
