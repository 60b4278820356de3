"""Properties every dose calculator keeps, whatever the (valid) patient and regimen."""
