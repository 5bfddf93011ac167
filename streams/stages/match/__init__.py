"""The match stage: event registry, last prices per event × bookmaker, snapshots of what changed."""
