# Sourced by the output tests: $py is a python3 that has the modules named
# in $py_modules (the distribution's, where a private python3 lacks them);
# exits 77 (skip) when there is none.
py=
for cand in python3 /usr/bin/python3; do
	if command -v "$cand" >/dev/null 2>&1 && "$cand" -c "import ${py_modules:-sys}" 2>/dev/null; then
		py=$cand
		break
	fi
done
[ -n "$py" ] || { echo "no python3 with ${py_modules:-sys}"; exit 77; }
