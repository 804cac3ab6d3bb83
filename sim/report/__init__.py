"""What a reader takes away: figures (:mod:`.plots`), the PDF brief (:mod:`.brief`), CSV
(:mod:`.export`) and the terminal summaries (:mod:`.summary`)."""
