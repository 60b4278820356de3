"""Lab results and what they change: dated ``Labs``, the review's rules and thresholds, the
review itself and the checklist before starting a drug."""
