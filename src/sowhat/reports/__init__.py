"""Reviews rendered for people: Markdown, one self-contained HTML file, and PDF.

A layer between the shells and the services: the CLI (`sowhat report`) and the web's review
pages both call it, so a downloaded report and the page it came from show the same numbers,
worded the same way (`words`), drawn the same way (`charts`).
"""
