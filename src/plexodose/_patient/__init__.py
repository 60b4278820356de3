"""The patient and body size: validated inputs, and the formulas (BSA, ideal weight, renal
function) that turn them into the numbers a dose is computed from."""
