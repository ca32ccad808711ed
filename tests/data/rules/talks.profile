# Facts of the test storyline: each adds its weight once when it occurs.
fact actor 1 = $KREMLIN_HEAD
fact actor 1 = $KYIV_HEAD
fact place 1 = Riyadh OR Jeddah OR Istanbul
fact number 0.5 = "30 days" OR "30-day"
