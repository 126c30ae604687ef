"""Importers: turn third-party lexicons into rule packs (vetted, with their attribution kept)."""
