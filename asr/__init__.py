"""Audio in, text out: Vosk models, streaming recognisers, G.711 and resampling, PBX media adapters,
batch transcription of recordings. Nothing here imports torch; diarization is an optional extra."""
