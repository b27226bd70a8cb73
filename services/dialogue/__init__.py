"""The dialogue core: a turn goes crisis check → command/button → active flow → NLU intent."""
