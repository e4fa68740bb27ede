"""The only code that reads data files: text and vector reading, checks, the folder and upload pipelines."""
