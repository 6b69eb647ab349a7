"""The document pipeline: reader → normalizer → segmenter → extractors → assembler → writer."""
