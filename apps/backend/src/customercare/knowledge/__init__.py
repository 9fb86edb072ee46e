"""The knowledge base: turning uploads into text, text into passages, and ranking passages."""
