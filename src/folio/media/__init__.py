"""Images: uploads, their processing, storage and serving."""
