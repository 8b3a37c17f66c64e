"""Pure renderers: data in, Block Kit (and the digest chart) out."""
