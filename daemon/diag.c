/* diag.c - parser diagnostics. */

#include <stdarg.h>

#include "diag.h"
#include "util.h"

static void diag_vset(struct diag *d, const char *file, unsigned line, unsigned column,
		      const char *fmt, va_list ap) _printf_(5, 0);

static void diag_vset(struct diag *d, const char *file, unsigned line, unsigned column,
		      const char *fmt, va_list ap)
{
	diag_clear(d);
	d->file = xstrdup_or_null(file);
	d->line = line;
	d->column = column;
	d->message = xvasprintf(fmt, ap);
}

void diag_set(struct diag *d, const char *file, unsigned line, unsigned column,
	      const char *fmt, ...)
{
	va_list ap;

	if (!d)
		return;
	va_start(ap, fmt);
	diag_vset(d, file, line, column, fmt, ap);
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

char *diag_format(const struct diag *d)
{
	const char *msg = d->message ? d->message : "unknown error";

	if (!d->file)
		return xstrdup(msg);
	if (d->line == 0)
		return xasprintf("%s: %s", d->file, msg);
	if (d->column == 0)
		return xasprintf("%s:%u: %s", d->file, d->line, msg);
	return xasprintf("%s:%u:%u: %s", d->file, d->line, d->column, msg);
}

void diag_list_vadd(struct diag_list *l, const char *file, unsigned line, unsigned column,
		    const char *fmt, va_list ap)
{
	if (!l)
		return;
	if (l->n >= DIAG_LIST_MAX) {
		l->n_dropped++;
		return;
	}
	l->diags = xreallocarray(l->diags, l->n + 1, sizeof(*l->diags));
	l->diags[l->n] = (struct diag){ 0 };
	diag_vset(&l->diags[l->n], file, line, column, fmt, ap);
	l->n++;
}

void diag_list_add(struct diag_list *l, const char *file, unsigned line, unsigned column,
		   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_list_vadd(l, file, line, column, fmt, ap);
	va_end(ap);
}

void diag_list_clear(struct diag_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		diag_clear(&l->diags[i]);
	free(l->diags);
	*l = (struct diag_list){ 0 };
}
