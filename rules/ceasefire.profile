# Facts of the storyline, each adding its weight once when an item mentions it.
# Sources: public reporting of March-August 2025, in our own words.

# Who: the two presidents who spoke on 18 March 2025, the Ukrainian president,
# the envoys who carried the talks, the spokesmen and negotiators.
fact actor 1     = $TRUMP
fact actor 1     = $PUTIN
fact actor 1     = $ZELENSKY
fact actor 1.5   = $WITKOFF
fact actor 1.5   = $KELLOGG
fact actor 1.5   = $DMITRIEV
fact actor 1     = $PESKOV
fact actor 1     = $RUBIO
fact actor 1.5   = $MEDINSKY OR $UMEROV
fact actor 0.5   = $LAVROV OR $YERMAK

# Where the talks were held.
fact place 1.5   = Riyadh OR Jeddah OR "Saudi Arabia" OR Рияд* OR Ріяд* OR Джидд*
fact place 1     = Istanbul OR Стамбул*
fact place 1.5   = Alaska OR Anchorage OR Аляск* OR Анкоридж*

# What was agreed or proposed.
fact agreement 2 = $CEASEFIRE NEAR/8 $ENERGY
fact agreement 2 = $BLACK_SEA NEAR/10 ($CEASEFIRE OR navigation OR shipping OR $TALKS)
fact agreement 1.5 = "30-day" OR "30 days" OR "30 дней" OR "30 днів" OR "30 Tage" OR "30 jours"
	OR "30 días" OR "30 dni"
fact agreement 1.5 = $PRISONERS NEAR/6 $SWAP
fact agreement 1 = memorandum OR Memorandum OR меморандум*
fact agreement 1 = "Easter truce" OR Osterwaffenruhe OR "пасхальное перемирие"
	OR "Victory Day truce"

# What each side demands.
fact topic 1     = NATO OR НАТО OR OTAN
fact topic 1     = Rosselkhozbank OR SWIFT OR Россельхозбанк*
fact topic 1     = "sanctions relief" OR "lifting sanctions" OR "lift sanctions"
fact topic 1     = "security guarantees" OR "security guarantee" OR Sicherheitsgarantien
	OR "гарантии безопасности" OR "гарантії безпеки"
fact topic 1     = "root causes" OR elections OR "martial law" OR territory OR territorial
	OR "military aid" OR "intelligence sharing"

# When: the call and what followed it.
fact date 1      = "18 March" OR "March 18"
fact number 1    = 175 OR "1,000" OR "1000 for 1000"
