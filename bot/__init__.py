"""信用助手 (xinyong): command line, channels and Rasa project files."""
