"""Reading and editing objectives and key results for the web and API."""
