"""The rules of Valueboard, free of Slack, SQLAlchemy and Pillow."""
