"""Who handles what: dispatch suggestions (model + catalogue + jurisdiction), urgency cues, repeat requests."""
