/* diag.c - parser diagnostics. */

#include <stdarg.h>

#include "diag.h"
#include "util.h"

void diag_set(struct diag *d, const char *file, unsigned line, unsigned column,
	      const char *fmt, ...)
{
	va_list ap;

	if (!d)
		return;
	diag_clear(d);
	d->file = xstrdup_or_null(file);
	d->line = line;
	d->column = column;
	va_start(ap, fmt);
	d->message = xvasprintf(fmt, ap);
	va_end(ap);
}

void diag_clear(struct diag *d)
{
	if (!d)
		return;
	free(d->file);
	free(d->message);
	*d = (struct diag){ 0 };
}
