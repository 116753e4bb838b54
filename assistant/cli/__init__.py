"""Command-line surfaces: thin shells over the `assistant` and `embeddings` APIs."""
