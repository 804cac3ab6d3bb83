"""What the runs say: sensitivity (:mod:`.sensitivity`, with :mod:`.metrics` and :mod:`.sobol`),
scenario discovery (:mod:`.discovery`), calibration to observations (:mod:`.calibration`) and
validation against published figures (:mod:`.validation`)."""
