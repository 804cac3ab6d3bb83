"""What a reader takes away: figures (:mod:`.plots`), the PDF brief (:mod:`.brief`), CSV
(:mod:`.export`) and the sources of every assumption (:mod:`.sources`)."""
