"""Rendering for people: text wrapped to a terminal, HTML and Markdown for notebooks.

Reads only public attributes of what it renders, so it stands below the models that use it.
"""
