/* rules.c - the rule language: lexer, parser, term lists, compiler.
 *
 * Files are parsed into a syntax tree first (so term lists may be defined in
 * any file), then every rule and fact is compiled into nodes over one shared
 * term table.  Errors never stop the reading: each statement that fails is
 * skipped up to its end of line and the next one is read. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "fold.h"
#include "rules-internal.h"
#include "utf8.h"
#include "util.h"

/* ---- sources and errors ---------------------------------------------------- */

struct src {
	char *path;
	char *dir;           /* for include and profile; NULL refuses them */
	char *text;
	size_t len;
};

struct loc {
	uint32_t file;
	uint32_t line;
	uint32_t line_off;   /* byte offset of the line's start */
	uint32_t off;        /* byte offset of the token */
};

enum ast_kind { AST_WORD, AST_PHRASE, AST_REF, AST_AND, AST_OR, AST_NOT, AST_NEAR, AST_FIELD };

struct ast {
	enum ast_kind kind;
	struct loc loc;
	char *text;          /* WORD, PHRASE, REF (without '$') */
	unsigned n;          /* NEAR: distance; FIELD: the field */
	struct ast *a, *b;
};

struct define {
	char *name;
	struct loc loc;
	struct ast *body;
	bool is_bad;         /* its body has errors, already reported */
	bool is_expanding;
};

struct pending {
	bool is_fact;
	char *name;
	struct loc loc;
	/* rules */
	char *storyline;
	struct loc storyline_loc;
	bool has_weight, has_action, has_urgency, has_timeout, has_limit;
	enum action limit;
	/* facts */
	size_t storyline_idx;
	double weight;
	enum action action;
	enum urgency urgency;
	char **exec_argv;
	uint64_t exec_timeout_usec;
	struct ast *expr;
};

struct pending_storyline {
	char *name;
	struct loc loc;
	char *title;
	double notify_at, log_at;
	bool has_notify, has_log;
};

struct ctx {
	struct src *srcs;
	size_t n_srcs;
	struct rules_errors *errors;
	size_t first_error;  /* errors->v[first_error..] are ours */
	uint32_t *error_src; /* per error of ours: its file's index, for sorting */
	size_t n_errors;
	bool is_full;        /* RULES_MAX_ERRORS reached */

	struct define *defines;
	size_t n_defines;
	struct pending *pend;
	size_t n_pend;
	struct pending_storyline *sls;
	size_t n_sls;

	struct ruleset *rs;
	size_t rule_budget;  /* terms left for the rule being compiled */

	char **read_once;    /* real paths of the files read by include or as *.rules */
	size_t n_read_once;
};

/* True the first time a file is seen: include reads each file once, so
 * that two rule files can share a term list, and a loop ends by itself. */
static bool first_reading(struct ctx *c, const char *path)
{
	_cleanup_free_ char *real = realpath(path, NULL);

	if (!real)
		return true;  /* the open that follows reports why */
	for (size_t i = 0; i < c->n_read_once; i++)
		if (streq(c->read_once[i], real))
			return false;
	c->read_once = xreallocarray(c->read_once, c->n_read_once + 1, sizeof(char *));
	c->read_once[c->n_read_once++] = steal_ptr(real);
	return true;
}

static unsigned column_of(const struct src *s, const struct loc *l)
{
	unsigned col = 1;

	for (size_t i = l->line_off; i < l->off && i < s->len; i++)
		if (((unsigned char)s->text[i] & 0xc0) != 0x80)
			col++;
	return col;
}

static void add_verror(struct ctx *c, const struct loc *l, const char *path, const char *fmt,
		       va_list ap) _printf_(4, 0);
static void add_verror(struct ctx *c, const struct loc *l, const char *path, const char *fmt,
		       va_list ap)
{
	struct rules_error e = { 0 };

	c->n_errors++;
	if (c->is_full || !c->errors)
		return;
	if (c->errors->n + 1 >= RULES_MAX_ERRORS) {
		c->is_full = true;
		e.message = xasprintf("too many errors, stopping after %u", RULES_MAX_ERRORS - 1);
	} else
		e.message = xvasprintf(fmt, ap);
	if (path)
		e.file = xstrdup(path);
	else if (l && l->file < c->n_srcs) {
		const struct src *s = &c->srcs[l->file];
		e.file = xstrdup(s->path);
		e.line = l->line;
		if (l->line > 0) {
			size_t end = l->line_off;
			while (end < s->len && s->text[end] != '\n')
				end++;
			if (end > l->line_off && s->text[end - 1] == '\r')
				end--;
			e.source = xstrndup(s->text + l->line_off, end - l->line_off);
			e.column = column_of(s, l);
		}
	}
	c->errors->v = xreallocarray(c->errors->v, c->errors->n + 1, sizeof(*c->errors->v));
	c->error_src = xreallocarray(c->error_src, c->errors->n + 1 - c->first_error,
				     sizeof(*c->error_src));
	c->error_src[c->errors->n - c->first_error] = l ? l->file : 0;
	c->errors->v[c->errors->n++] = e;
}

static void add_error(struct ctx *c, const struct loc *l, const char *fmt, ...) _printf_(3, 4);
static void add_error(struct ctx *c, const struct loc *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_verror(c, l, NULL, fmt, ap);
	va_end(ap);
}

/* A problem with a whole file, such as one that cannot be read. */
static void add_file_error(struct ctx *c, const char *path, const char *fmt, ...) _printf_(3, 4);
static void add_file_error(struct ctx *c, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_verror(c, NULL, path, fmt, ap);
	va_end(ap);
}

char *rules_error_format(const struct rules_error *e)
{
	_cleanup_buf_ struct buf b;

	buf_init(&b, 0);
	if (e->line > 0)
		(void)buf_printf(&b, "%s:%u:%u: %s\n", e->file ? e->file : "-", e->line, e->column,
				 e->message);
	else
		(void)buf_printf(&b, "%s: %s\n", e->file ? e->file : "-", e->message);
	if (e->source && e->line > 0) {
		const char *p = e->source;
		(void)buf_printf(&b, "%s\n", e->source);
		/* The caret line copies the tabs before the column so it lines up. */
		for (unsigned col = 1; col < e->column && *p; p++) {
			if (((unsigned char)*p & 0xc0) == 0x80)
				continue;
			(void)buf_putc(&b, *p == '\t' ? '\t' : ' ');
			col++;
		}
		(void)buf_puts(&b, "^\n");
	}
	return buf_steal(&b);
}

void rules_errors_print(const struct rules_errors *errors, FILE *f)
{
	for (size_t i = 0; i < errors->n; i++) {
		_cleanup_free_ char *s = rules_error_format(&errors->v[i]);
		fputs(s, f);
	}
}

void rules_errors_clear(struct rules_errors *errors)
{
	if (!errors)
		return;
	for (size_t i = 0; i < errors->n; i++) {
		free(errors->v[i].file);
		free(errors->v[i].message);
		free(errors->v[i].source);
	}
	free(errors->v);
	*errors = (struct rules_errors){ 0 };
}

/* ---- lexer ------------------------------------------------------------------ */

enum tok_kind { T_EOF, T_NEWLINE, T_LBRACE, T_RBRACE, T_LPAREN, T_RPAREN, T_COLON, T_EQUALS,
		T_STRING, T_WORD };

struct tok {
	enum tok_kind kind;
	struct loc loc;
	char *text;          /* WORD and STRING (escapes decoded), owned */
	size_t end;          /* byte offset after the token */
};

struct lexer {
	struct ctx *c;
	uint32_t file;
	const char *s;
	size_t len, i;
	uint32_t line, line_off;
	unsigned depth;      /* open parentheses: newlines inside do not end a statement */
	struct tok t;        /* the current token */
};

static bool is_special(unsigned char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\v' || ch == '\f' ||
	       ch == '#' || ch == '{' || ch == '}' || ch == '(' || ch == ')' || ch == '"' ||
	       ch == ':' || ch == '=';
}

/* Inside parentheses a newline continues the expression, unless the next
 * line starts like a statement: then a ')' is missing, and the error should
 * point here rather than swallow the rest of the file. */
static bool starts_statement(const struct lexer *x)
{
	static const char *const kws[] = { "rule", "storyline", "define", "include", "fact", "match",
					   "weight", "action", "urgency", "limit", "exec", "timeout", "title",
					   "notify", "log", "profile" };
	size_t i = x->i, start;

	while (i < x->len && (x->s[i] == ' ' || x->s[i] == '\t' || x->s[i] == '\r'))
		i++;
	if (i < x->len && x->s[i] == '}')
		return true;
	start = i;
	while (i < x->len && !is_special((unsigned char)x->s[i]))
		i++;
	if (i < x->len && x->s[i] == ':')
		return false;
	for (size_t k = 0; k < ELEMENTSOF(kws); k++)
		if (i - start == strlen(kws[k]) && memcmp(x->s + start, kws[k], i - start) == 0)
			return true;
	return false;
}

/* A line that starts with AND, OR or NEAR/n continues the expression above. */
static bool starts_operator(const struct lexer *x)
{
	size_t i = x->i, start;

	while (i < x->len && (x->s[i] == ' ' || x->s[i] == '\t' || x->s[i] == '\r'))
		i++;
	start = i;
	while (i < x->len && !is_special((unsigned char)x->s[i]))
		i++;
	return (i - start == 3 && memcmp(x->s + start, "AND", 3) == 0) ||
	       (i - start == 2 && memcmp(x->s + start, "OR", 2) == 0) ||
	       (i - start > 5 && memcmp(x->s + start, "NEAR/", 5) == 0);
}

static struct loc lex_loc(const struct lexer *x, size_t off)
{
	return (struct loc){ .file = x->file, .line = x->line, .line_off = x->line_off,
			     .off = (uint32_t)off };
}

static void lex_next(struct lexer *x)
{
	free(x->t.text);
	x->t = (struct tok){ 0 };

	for (;;) {
		if (x->i >= x->len) {
			x->t.kind = T_EOF;
			x->t.loc = lex_loc(x, x->i);
			x->t.end = x->i;
			return;
		}
		unsigned char ch = (unsigned char)x->s[x->i];
		if (ch == '#') {
			while (x->i < x->len && x->s[x->i] != '\n')
				x->i++;
			continue;
		}
		if (ch == '\n') {
			struct loc l = lex_loc(x, x->i);
			x->i++;
			x->line++;
			x->line_off = (uint32_t)x->i;
			if (x->depth > 0 ? !starts_statement(x) : starts_operator(x))
				continue;
			x->depth = 0;
			x->t.kind = T_NEWLINE;
			x->t.loc = l;
			x->t.end = x->i;
			return;
		}
		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f') {
			x->i++;
			continue;
		}
		break;
	}

	size_t start = x->i;
	unsigned char ch = (unsigned char)x->s[x->i];
	x->t.loc = lex_loc(x, start);
	switch (ch) {
	case '{': x->t.kind = T_LBRACE; x->i++; break;
	case '}': x->t.kind = T_RBRACE; x->i++; break;
	case '(': x->t.kind = T_LPAREN; x->i++; x->depth++; break;
	case ')': x->t.kind = T_RPAREN; x->i++; if (x->depth) x->depth--; break;
	case ':': x->t.kind = T_COLON; x->i++; break;
	case '=': x->t.kind = T_EQUALS; x->i++; break;
	case '"': {
		_cleanup_buf_ struct buf b;
		buf_init(&b, 0);
		x->i++;
		for (;;) {
			if (x->i >= x->len || x->s[x->i] == '\n') {
				add_error(x->c, &x->t.loc, "unterminated string: a '\"' is missing on this line");
				break;
			}
			char c2 = x->s[x->i];
			if (c2 == '"') {
				x->i++;
				break;
			}
			if (c2 == '\\' && x->i + 1 < x->len &&
			    (x->s[x->i + 1] == '"' || x->s[x->i + 1] == '\\')) {
				(void)buf_putc(&b, x->s[x->i + 1]);
				x->i += 2;
				continue;
			}
			(void)buf_putc(&b, c2);
			x->i++;
		}
		x->t.kind = T_STRING;
		x->t.text = buf_steal(&b);
		break;
	}
	default:
		while (x->i < x->len && !is_special((unsigned char)x->s[x->i]))
			x->i++;
		x->t.kind = T_WORD;
		x->t.text = xstrndup(x->s + start, x->i - start);
		break;
	}
	x->t.end = x->i;
}

/* ---- syntax tree ------------------------------------------------------------ */

static void ast_free(struct ast *a)
{
	if (!a)
		return;
	ast_free(a->a);
	ast_free(a->b);
	free(a->text);
	free(a);
}

static struct ast *ast_new(enum ast_kind kind, const struct loc *l)
{
	struct ast *a = xcalloc(1, sizeof(*a));
	a->kind = kind;
	a->loc = *l;
	return a;
}

static const char *tok_describe(const struct tok *t, char *b, size_t n)
{
	switch (t->kind) {
	case T_EOF: return "end of file";
	case T_NEWLINE: return "end of line";
	case T_LBRACE: return "'{'";
	case T_RBRACE: return "'}'";
	case T_LPAREN: return "'('";
	case T_RPAREN: return "')'";
	case T_COLON: return "':'";
	case T_EQUALS: return "'='";
	case T_STRING: snprintf(b, n, "\"%s\"", t->text); return b;
	case T_WORD: snprintf(b, n, "'%s'", t->text); return b;
	}
	return "?";
}

static bool is_keyword(const struct tok *t, const char *kw)
{
	return t->kind == T_WORD && streq(t->text, kw);
}

static bool is_operator_word(const char *s)
{
	return streq(s, "AND") || streq(s, "OR") || streq(s, "NOT") || streq(s, "NEAR") ||
	       strncmp(s, "NEAR/", 5) == 0;
}

/* NEAR/n: returns n, or -1 when the word is not a well-formed NEAR. */
static int parse_near(const char *s)
{
	unsigned v = 0;

	if (strncmp(s, "NEAR/", 5) != 0 || !s[5])
		return -1;
	for (const char *p = s + 5; *p; p++) {
		if (*p < '0' || *p > '9' || v > RULES_MAX_NEAR)
			return -1;
		v = v * 10 + (unsigned)(*p - '0');
	}
	return v > RULES_MAX_NEAR ? -1 : (int)v;
}

static const char *const field_names[_FIELD_MAX] = {
	[FIELD_TITLE] = "title",
	[FIELD_SUMMARY] = "summary",
	[FIELD_FEED] = "feed",
	[FIELD_AUTHOR] = "author",
	[FIELD_CATEGORY] = "category",
	[FIELD_LINK] = "link",
	[FIELD_HEADLINE] = "headline",
	[FIELD_SIGNAL] = "signal",
};

const char *field_to_string(enum field f)
{
	return f < _FIELD_MAX ? field_names[f] : NULL;
}

static int field_from_string(const char *s)
{
	for (int f = 0; f < _FIELD_MAX; f++)
		if (streq(field_names[f], s))
			return f;
	return -1;
}

static bool is_name(const char *s)
{
	if (!s || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '-' || *p == '.'))
			return false;
	return strlen(s) <= 64;
}

static struct ast *parse_or(struct lexer *x, unsigned depth);

/* Reports what follows an operand that is not an operator. */
static void error_after_operand(struct lexer *x)
{
	char b[160];
	const struct tok *t = &x->t;

	if (t->kind == T_WORD && (streq(t->text, "and") || streq(t->text, "or") ||
				  streq(t->text, "not") || strncmp(t->text, "near", 4) == 0 ||
				  streq(t->text, "And") || streq(t->text, "Or") || streq(t->text, "Not")))
		add_error(x->c, &t->loc, "operators are written in capitals: '%s' is not an operator here",
			  t->text);
	else if (t->kind == T_WORD && streq(t->text, "NEAR"))
		add_error(x->c, &t->loc, "NEAR needs a distance, such as NEAR/8");
	else if (t->kind == T_WORD && strncmp(t->text, "NEAR/", 5) == 0)
		add_error(x->c, &t->loc, "bad distance in '%s': write NEAR/0 to NEAR/%u", t->text,
			  RULES_MAX_NEAR);
	else if (t->kind == T_WORD || t->kind == T_STRING || t->kind == T_LPAREN)
		add_error(x->c, &t->loc, "missing operator before %s: write AND, OR or NEAR/n",
			  tok_describe(t, b, sizeof(b)));
	else
		add_error(x->c, &t->loc, "expected AND, OR, NEAR/n, ')' or end of line, found %s",
			  tok_describe(t, b, sizeof(b)));
}

static struct ast *parse_primary(struct lexer *x, unsigned depth)
{
	char b[160];
	struct tok *t = &x->t;

	if (depth >= RULES_MAX_DEPTH) {
		add_error(x->c, &t->loc, "expression nested deeper than %u levels", RULES_MAX_DEPTH);
		return NULL;
	}
	switch (t->kind) {
	case T_LPAREN: {
		struct loc open = t->loc;
		lex_next(x);
		struct ast *a = parse_or(x, depth + 1);
		if (!a)
			return NULL;
		if (t->kind != T_RPAREN) {
			if (t->kind == T_NEWLINE || t->kind == T_EOF || t->kind == T_RBRACE)
				add_error(x->c, &open, "'(' is never closed");
			else
				error_after_operand(x);
			ast_free(a);
			return NULL;
		}
		lex_next(x);
		return a;
	}
	case T_STRING: {
		struct ast *a = ast_new(AST_PHRASE, &t->loc);
		a->text = steal_ptr(t->text);
		lex_next(x);
		return a;
	}
	case T_WORD:
		break;
	case T_EOF: case T_NEWLINE: case T_RBRACE: case T_RPAREN: case T_LBRACE:
	case T_COLON: case T_EQUALS:
		add_error(x->c, &t->loc, "expected a word, a \"phrase\", a $LIST or '(', found %s",
			  tok_describe(t, b, sizeof(b)));
		return NULL;
	}

	if (is_operator_word(t->text)) {
		add_error(x->c, &t->loc, "expected a word, a \"phrase\", a $LIST or '(', found operator '%s'",
			  t->text);
		return NULL;
	}
	struct loc l = t->loc;
	_cleanup_free_ char *w = steal_ptr(t->text);
	lex_next(x);

	if (t->kind == T_COLON) {
		int f = field_from_string(w);
		if (f < 0) {
			add_error(x->c, &l, "unknown field '%s': use title, headline, summary, feed, author, category, link or signal",
				  w);
			return NULL;
		}
		lex_next(x);
		struct ast *inner = parse_primary(x, depth + 1);
		if (!inner)
			return NULL;
		struct ast *a = ast_new(AST_FIELD, &l);
		a->n = (unsigned)f;
		a->a = inner;
		return a;
	}
	if (w[0] == '$') {
		if (!is_name(w + 1)) {
			add_error(x->c, &l, "bad term list name '%s': a letter, then letters, digits, '_', '-' or '.'",
				  w);
			return NULL;
		}
		struct ast *a = ast_new(AST_REF, &l);
		a->text = xstrdup(w + 1);
		return a;
	}
	char *star = strchr(w, '*');
	if (star && star[1] != '\0') {
		struct loc sl = l;
		sl.off += (uint32_t)(star - w);
		add_error(x->c, &sl, "a wildcard '*' may only end a word");
		return NULL;
	}
	struct ast *a = ast_new(AST_WORD, &l);
	a->text = steal_ptr(w);
	return a;
}

static struct ast *parse_near_expr(struct lexer *x, unsigned depth)
{
	struct ast *left = parse_primary(x, depth);

	while (left && x->t.kind == T_WORD && strncmp(x->t.text, "NEAR", 4) == 0 &&
	       (x->t.text[4] == '\0' || x->t.text[4] == '/')) {
		int n = parse_near(x->t.text);
		if (n < 0) {
			error_after_operand(x);
			ast_free(left);
			return NULL;
		}
		struct ast *a = ast_new(AST_NEAR, &x->t.loc);
		a->n = (unsigned)n;
		lex_next(x);
		a->a = left;
		a->b = parse_primary(x, depth);
		if (!a->b) {
			ast_free(a);
			return NULL;
		}
		left = a;
	}
	return left;
}

static struct ast *parse_not(struct lexer *x, unsigned depth)
{
	if (is_keyword(&x->t, "NOT")) {
		struct loc l = x->t.loc;
		if (depth >= RULES_MAX_DEPTH) {
			add_error(x->c, &l, "expression nested deeper than %u levels", RULES_MAX_DEPTH);
			return NULL;
		}
		lex_next(x);
		struct ast *inner = parse_not(x, depth + 1);
		if (!inner)
			return NULL;
		struct ast *a = ast_new(AST_NOT, &l);
		a->a = inner;
		return a;
	}
	return parse_near_expr(x, depth);
}

static struct ast *parse_and(struct lexer *x, unsigned depth)
{
	struct ast *left = parse_not(x, depth);

	while (left && is_keyword(&x->t, "AND")) {
		struct ast *a = ast_new(AST_AND, &x->t.loc);
		lex_next(x);
		a->a = left;
		a->b = parse_not(x, depth);
		if (!a->b) {
			ast_free(a);
			return NULL;
		}
		left = a;
	}
	return left;
}

static struct ast *parse_or(struct lexer *x, unsigned depth)
{
	struct ast *left = parse_and(x, depth);

	while (left && is_keyword(&x->t, "OR")) {
		struct ast *a = ast_new(AST_OR, &x->t.loc);
		lex_next(x);
		a->a = left;
		a->b = parse_and(x, depth);
		if (!a->b) {
			ast_free(a);
			return NULL;
		}
		left = a;
	}
	return left;
}

/* A whole expression, up to the end of its statement. */
static struct ast *parse_expression(struct lexer *x)
{
	struct ast *a = parse_or(x, 0);

	if (!a)
		return NULL;
	if (x->t.kind != T_NEWLINE && x->t.kind != T_EOF) {
		if (x->t.kind == T_RPAREN)
			add_error(x->c, &x->t.loc, "')' without a matching '('");
		else
			error_after_operand(x);
		ast_free(a);
		return NULL;
	}
	return a;
}

/* ---- statements --------------------------------------------------------------- */

/* After an error: skip to the end of the statement. */
static void skip_statement(struct lexer *x)
{
	x->depth = 0;
	while (x->t.kind != T_NEWLINE && x->t.kind != T_EOF)
		lex_next(x);
}

static bool expect_end(struct lexer *x)
{
	char b[160];

	if (x->t.kind == T_NEWLINE || x->t.kind == T_EOF)
		return true;
	add_error(x->c, &x->t.loc, "expected end of line, found %s", tok_describe(&x->t, b, sizeof(b)));
	return false;
}

/* A decimal number such as 3, -2 or 0.5, read without the locale. */
static bool parse_number(const char *s, double *ret)
{
	double v = 0, scale = 1;
	bool neg = false, has_digit = false, has_dot = false;
	const char *p = s;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	for (; *p; p++) {
		if (*p == '.' && !has_dot) {
			has_dot = true;
			continue;
		}
		if (*p < '0' || *p > '9')
			return false;
		has_digit = true;
		if (has_dot)
			v += (*p - '0') * (scale /= 10);
		else
			v = v * 10 + (*p - '0');
		if (v > 1e6)
			return false;
	}
	if (!has_digit)
		return false;
	*ret = neg ? -v : v;
	return true;
}

static bool take_number(struct lexer *x, const char *what, double *ret)
{
	char b[160];

	if (x->t.kind != T_WORD || !parse_number(x->t.text, ret)) {
		add_error(x->c, &x->t.loc, "%s must be a number between -1000000 and 1000000, found %s",
			  what, tok_describe(&x->t, b, sizeof(b)));
		return false;
	}
	lex_next(x);
	return true;
}

/* A duration: a number with s, ms, m or h (seconds when bare). */
static bool parse_duration(const char *s, uint64_t *ret)
{
	uint64_t v = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > 86400000)
			return false;
	}
	if (!*p || streq(p, "s"))
		v *= USEC_PER_SEC;
	else if (streq(p, "ms"))
		v *= USEC_PER_MSEC;
	else if (streq(p, "m"))
		v *= 60 * USEC_PER_SEC;
	else if (streq(p, "h"))
		v *= 3600 * USEC_PER_SEC;
	else
		return false;
	if (v == 0 || v > 3600 * USEC_PER_SEC)
		return false;
	*ret = v;
	return true;
}

static bool take_name(struct lexer *x, const char *what, char **ret, struct loc *ret_loc)
{
	char b[160];

	if (x->t.kind != T_WORD || !is_name(x->t.text)) {
		add_error(x->c, &x->t.loc,
			  "expected a %s name (a letter, then letters, digits, '_', '-' or '.'), found %s",
			  what, tok_describe(&x->t, b, sizeof(b)));
		return false;
	}
	if (ret_loc)
		*ret_loc = x->t.loc;
	*ret = steal_ptr(x->t.text);
	lex_next(x);
	return true;
}

enum mode { MODE_TOP, MODE_PROFILE };

static int parse_file(struct ctx *c, const char *path, const char *dir, const char *text,
		      size_t len, enum mode mode, size_t storyline, unsigned include_depth);

static char *join_path(const char *dir, const char *rel)
{
	if (rel[0] == '/')
		return xstrdup(rel);
	return xasprintf("%s/%s", dir, rel);
}

/* Reads a file with a ceiling; returns 0, -errno, or -EFBIG. */
static int read_file_bounded(const char *path, char **ret, size_t *ret_len)
{
	_cleanup_buf_ struct buf b;
	int fd, r;

	buf_init(&b, RULES_MAX_FILE_BYTES);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	r = buf_read_fd(&b, fd);
	close(fd);
	if (r < 0)
		return r;
	*ret_len = b.len;
	*ret = b.data ? buf_steal(&b) : xstrdup("");
	return 0;
}

/* include and profile: another file read in the current file's directory.
 * A profile is read for each storyline that names it, an include once. */
static void parse_subfile(struct ctx *c, struct lexer *x, const char *rel, const struct loc *l,
			  enum mode mode, size_t storyline, unsigned include_depth, bool is_include)
{
	const char *dir = c->srcs[x->file].dir;
	_cleanup_free_ char *path = NULL, *text = NULL, *sub_dir = NULL;
	size_t len;
	int r;

	if (!dir) {
		add_error(c, l, "cannot read \"%s\": this text has no directory to read it from", rel);
		return;
	}
	if (include_depth + 1 > RULES_MAX_INCLUDE_DEPTH) {
		add_error(c, l, "\"%s\": files included deeper than %u levels", rel,
			  RULES_MAX_INCLUDE_DEPTH);
		return;
	}
	path = join_path(dir, rel);
	if (is_include && !first_reading(c, path))
		return;
	r = read_file_bounded(path, &text, &len);
	if (r == -EFBIG) {
		add_error(c, l, "cannot read \"%s\": larger than %u bytes", rel, RULES_MAX_FILE_BYTES);
		return;
	}
	if (r < 0) {
		add_error(c, l, "cannot read \"%s\": %s", rel, strerror(-r));
		return;
	}
	sub_dir = xstrdup(path);
	char *slash = strrchr(sub_dir, '/');
	if (slash)
		*slash = '\0';
	(void)parse_file(c, path, slash ? sub_dir : ".", text, len, mode, storyline, include_depth + 1);
}

/* Storyline names can be used before they are read; -1 when unknown. */
static ssize_t find_storyline(const struct ctx *c, const char *name)
{
	for (size_t i = 0; i < c->n_sls; i++)
		if (streq(c->sls[i].name, name))
			return (ssize_t)i;
	return -1;
}

static void stmt_define(struct ctx *c, struct lexer *x)
{
	_cleanup_free_ char *name = NULL;
	struct loc l;

	lex_next(x);
	if (!take_name(x, "term list", &name, &l))
		return skip_statement(x);
	if (x->t.kind != T_EQUALS) {
		add_error(c, &x->t.loc, "expected '=' after 'define %s'", name);
		return skip_statement(x);
	}
	lex_next(x);
	struct ast *body = parse_expression(x);
	if (!body)
		return skip_statement(x);
	for (size_t i = 0; i < c->n_defines; i++)
		if (streq(c->defines[i].name, name)) {
			add_error(c, &l, "term list '%s' is already defined at %s:%u", name,
				  c->srcs[c->defines[i].loc.file].path, c->defines[i].loc.line);
			ast_free(body);
			return;
		}
	c->defines = xreallocarray(c->defines, c->n_defines + 1, sizeof(*c->defines));
	c->defines[c->n_defines++] = (struct define){ .name = steal_ptr(name), .loc = l, .body = body };
}

/* fact KIND WEIGHT = EXPRESSION */
static void stmt_fact(struct ctx *c, struct lexer *x, size_t storyline)
{
	static const char *const kinds[] = { "actor", "place", "agreement", "number", "date", "event",
					     "topic" };
	char b[160];
	_cleanup_free_ char *kind = NULL;
	struct loc l = x->t.loc;
	double w;

	lex_next(x);
	bool ok = false;
	if (x->t.kind == T_WORD)
		for (size_t i = 0; i < ELEMENTSOF(kinds); i++)
			ok = ok || streq(kinds[i], x->t.text);
	if (!ok) {
		add_error(c, &x->t.loc,
			  "expected a fact kind (actor, place, agreement, number, date, event or topic), found %s",
			  tok_describe(&x->t, b, sizeof(b)));
		return skip_statement(x);
	}
	kind = steal_ptr(x->t.text);
	lex_next(x);
	if (!take_number(x, "a fact's weight", &w))
		return skip_statement(x);
	if (x->t.kind != T_EQUALS) {
		add_error(c, &x->t.loc, "expected '=' after the fact's weight");
		return skip_statement(x);
	}
	lex_next(x);
	size_t expr_start = x->t.loc.off;
	struct ast *e = parse_expression(x);
	if (!e)
		return skip_statement(x);
	size_t expr_end = x->t.loc.off;
	const char *s = c->srcs[x->file].text;
	while (expr_end > expr_start && (s[expr_end - 1] == ' ' || s[expr_end - 1] == '\t' ||
					 s[expr_end - 1] == '\r'))
		expr_end--;
	/* The fact as written, whole (storywatch match shows it), on one line. */
	_cleanup_free_ char *written = xmalloc(expr_end - expr_start + 1);
	size_t n_written = 0;
	for (size_t i = expr_start; i < expr_end; i++) {
		bool is_space = s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n';
		if (!is_space)
			written[n_written++] = s[i];
		else if (n_written > 0 && written[n_written - 1] != ' ')
			written[n_written++] = ' ';
	}
	written[n_written] = '\0';

	c->pend = xreallocarray(c->pend, c->n_pend + 1, sizeof(*c->pend));
	c->pend[c->n_pend++] = (struct pending){
		.is_fact = true,
		.name = xasprintf("%s %s", kind, written),
		.loc = l,
		.storyline_idx = storyline,
		.weight = w,
		.action = ACTION_LOG,
		.limit = ACTION_NOTIFY,
		.urgency = URGENCY_NORMAL,
		.expr = e,
	};
}

static bool block_open(struct ctx *c, struct lexer *x)
{
	char b[160];

	if (x->t.kind != T_LBRACE) {
		add_error(c, &x->t.loc, "expected '{', found %s", tok_describe(&x->t, b, sizeof(b)));
		skip_statement(x);
		return false;
	}
	lex_next(x);
	return true;
}

/* Inside a block: true at '}' or at a word that can only start a new block. */
static bool block_ends(struct ctx *c, struct lexer *x, const char *what, const char *name,
		       const struct loc *opened, bool is_rule)
{
	while (x->t.kind == T_NEWLINE)
		lex_next(x);
	if (x->t.kind == T_RBRACE) {
		lex_next(x);
		(void)expect_end(x);
		skip_statement(x);
		return true;
	}
	if (x->t.kind == T_EOF || is_keyword(&x->t, "rule") ||
	    (!is_rule && is_keyword(&x->t, "storyline")) ||
	    is_keyword(&x->t, "define") || is_keyword(&x->t, "include")) {
		add_error(c, opened, "%s '%s' is never closed: '}' is missing", what, name);
		return true;
	}
	return false;
}

static void stmt_storyline(struct ctx *c, struct lexer *x, unsigned include_depth)
{
	char b[160];
	_cleanup_free_ char *name = NULL;
	struct loc l;

	lex_next(x);
	if (!take_name(x, "storyline", &name, &l))
		return skip_statement(x);
	if (!block_open(c, x))
		return;
	ssize_t prev = find_storyline(c, name);
	if (prev >= 0)
		add_error(c, &l, "storyline '%s' is already defined at %s:%u", name,
			  c->srcs[c->sls[prev].loc.file].path, c->sls[prev].loc.line);
	c->sls = xreallocarray(c->sls, c->n_sls + 1, sizeof(*c->sls));
	size_t idx = c->n_sls++;
	c->sls[idx] = (struct pending_storyline){ .name = xstrdup(name), .loc = l, .notify_at = 10,
						  .log_at = 5 };

	while (!block_ends(c, x, "storyline", name, &l, false)) {
		struct pending_storyline *sl = &c->sls[idx];
		struct loc kl = x->t.loc;
		if (is_keyword(&x->t, "title")) {
			lex_next(x);
			if (x->t.kind != T_STRING) {
				add_error(c, &x->t.loc, "expected a \"quoted title\", found %s",
					  tok_describe(&x->t, b, sizeof(b)));
				skip_statement(x);
				continue;
			}
			if (sl->title)
				add_error(c, &kl, "storyline '%s' already has a title", name);
			free(sl->title);
			sl->title = steal_ptr(x->t.text);
			lex_next(x);
		} else if (is_keyword(&x->t, "notify") || is_keyword(&x->t, "log")) {
			bool is_notify = streq(x->t.text, "notify");
			double v;
			lex_next(x);
			if (!is_keyword(&x->t, "at")) {
				add_error(c, &x->t.loc, "expected 'at' and a score: '%s at 8'",
					  is_notify ? "notify" : "log");
				skip_statement(x);
				continue;
			}
			lex_next(x);
			if (!take_number(x, "a threshold", &v)) {
				skip_statement(x);
				continue;
			}
			if (is_notify ? sl->has_notify : sl->has_log)
				add_error(c, &kl, "storyline '%s' already has a '%s at' threshold", name,
					  is_notify ? "notify" : "log");
			if (is_notify)
				sl->notify_at = v, sl->has_notify = true;
			else
				sl->log_at = v, sl->has_log = true;
		} else if (is_keyword(&x->t, "profile")) {
			lex_next(x);
			if (x->t.kind != T_STRING) {
				add_error(c, &x->t.loc, "expected a \"file name\" after 'profile', found %s",
					  tok_describe(&x->t, b, sizeof(b)));
				skip_statement(x);
				continue;
			}
			_cleanup_free_ char *rel = steal_ptr(x->t.text);
			struct loc rl = x->t.loc;
			lex_next(x);
			if (expect_end(x))
				parse_subfile(c, x, rel, &rl, MODE_PROFILE, idx, include_depth, false);
		} else if (is_keyword(&x->t, "fact")) {
			stmt_fact(c, x, idx);
			continue;
		} else {
			add_error(c, &x->t.loc,
				  "unknown storyline setting %s: use title, notify at, log at, profile or fact",
				  tok_describe(&x->t, b, sizeof(b)));
			skip_statement(x);
			continue;
		}
		(void)expect_end(x);
		skip_statement(x);
	}
	struct pending_storyline *sl = &c->sls[idx];
	/* A threshold left out follows the one given. */
	if (sl->has_notify && !sl->has_log)
		sl->log_at = MIN(sl->log_at, sl->notify_at);
	if (sl->has_log && !sl->has_notify)
		sl->notify_at = MAX(sl->notify_at, sl->log_at);
	if (sl->log_at > sl->notify_at)
		add_error(c, &l, "storyline '%s': 'log at' (%g) is above 'notify at' (%g)", name,
			  sl->log_at, sl->notify_at);
}

static void stmt_rule(struct ctx *c, struct lexer *x)
{
	char b[160];
	_cleanup_free_ char *name = NULL;
	struct loc l;

	lex_next(x);
	if (!take_name(x, "rule", &name, &l))
		return skip_statement(x);
	if (!block_open(c, x))
		return;
	for (size_t i = 0; i < c->n_pend; i++)
		if (!c->pend[i].is_fact && streq(c->pend[i].name, name)) {
			add_error(c, &l, "rule '%s' is already defined at %s:%u", name,
				  c->srcs[c->pend[i].loc.file].path, c->pend[i].loc.line);
			break;
		}
	struct pending p = { .name = xstrdup(name), .loc = l, .weight = 1, .action = ACTION_NOTIFY,
			     .limit = ACTION_NOTIFY, .urgency = URGENCY_NORMAL,
			     .exec_timeout_usec = 30 * USEC_PER_SEC };
	bool has_match = false;

	while (!block_ends(c, x, "rule", name, &l, true)) {
		struct loc kl = x->t.loc;
		const char *kw = x->t.kind == T_WORD ? x->t.text : "";
		if (streq(kw, "storyline")) {
			_cleanup_free_ char *sl = NULL;
			struct loc sloc;
			lex_next(x);
			if (!take_name(x, "storyline", &sl, &sloc)) {
				skip_statement(x);
				continue;
			}
			if (p.storyline)
				add_error(c, &kl, "rule '%s' already names its storyline", name);
			free(p.storyline);
			p.storyline = steal_ptr(sl);
			p.storyline_loc = sloc;
		} else if (streq(kw, "weight")) {
			lex_next(x);
			if (p.has_weight)
				add_error(c, &kl, "rule '%s' already has a weight", name);
			p.has_weight = true;
			if (!take_number(x, "a weight", &p.weight)) {
				skip_statement(x);
				continue;
			}
		} else if (streq(kw, "action")) {
			lex_next(x);
			if (p.has_action)
				add_error(c, &kl, "rule '%s' already has an action", name);
			p.has_action = true;
			if (is_keyword(&x->t, "notify"))
				p.action = ACTION_NOTIFY;
			else if (is_keyword(&x->t, "log"))
				p.action = ACTION_LOG;
			else if (is_keyword(&x->t, "ignore"))
				p.action = ACTION_IGNORE;
			else {
				add_error(c, &x->t.loc, "expected notify, log or ignore, found %s",
					  tok_describe(&x->t, b, sizeof(b)));
				skip_statement(x);
				continue;
			}
			lex_next(x);
		} else if (streq(kw, "limit")) {
			lex_next(x);
			if (p.has_limit)
				add_error(c, &kl, "rule '%s' already has a limit", name);
			p.has_limit = true;
			if (is_keyword(&x->t, "log"))
				p.limit = ACTION_LOG;
			else if (is_keyword(&x->t, "ignore"))
				p.limit = ACTION_IGNORE;
			else {
				add_error(c, &x->t.loc, "expected log or ignore, found %s",
					  tok_describe(&x->t, b, sizeof(b)));
				skip_statement(x);
				continue;
			}
			lex_next(x);
		} else if (streq(kw, "urgency")) {
			lex_next(x);
			if (p.has_urgency)
				add_error(c, &kl, "rule '%s' already has an urgency", name);
			p.has_urgency = true;
			if (is_keyword(&x->t, "low"))
				p.urgency = URGENCY_LOW;
			else if (is_keyword(&x->t, "normal"))
				p.urgency = URGENCY_NORMAL;
			else if (is_keyword(&x->t, "critical"))
				p.urgency = URGENCY_CRITICAL;
			else {
				add_error(c, &x->t.loc, "expected low, normal or critical, found %s",
					  tok_describe(&x->t, b, sizeof(b)));
				skip_statement(x);
				continue;
			}
			lex_next(x);
		} else if (streq(kw, "match")) {
			lex_next(x);
			if (has_match)
				add_error(c, &kl, "rule '%s' already has a match expression", name);
			has_match = true;
			struct ast *e = parse_expression(x);
			if (!e) {
				skip_statement(x);
				continue;
			}
			ast_free(p.expr);
			p.expr = e;
		} else if (streq(kw, "exec")) {
			size_t n = 0;
			lex_next(x);
			if (p.exec_argv)
				add_error(c, &kl, "rule '%s' already has an exec hook", name);
			strv_free(p.exec_argv);
			p.exec_argv = NULL;
			while (x->t.kind == T_STRING && n < 64) {
				p.exec_argv = xreallocarray(p.exec_argv, n + 2, sizeof(char *));
				p.exec_argv[n++] = steal_ptr(x->t.text);
				p.exec_argv[n] = NULL;
				lex_next(x);
			}
			if (n == 0 || p.exec_argv[0][0] != '/') {
				add_error(c, n ? &kl : &x->t.loc,
					  "exec needs an absolute program path and its arguments, each \"quoted\"");
				strv_free(p.exec_argv);
				p.exec_argv = NULL;
				skip_statement(x);
				continue;
			}
		} else if (streq(kw, "timeout")) {
			lex_next(x);
			if (p.has_timeout)
				add_error(c, &kl, "rule '%s' already has a timeout", name);
			p.has_timeout = true;
			if (x->t.kind != T_WORD || !parse_duration(x->t.text, &p.exec_timeout_usec)) {
				add_error(c, &x->t.loc, "expected a duration up to 1h such as 10s, 500ms or 2m, found %s",
					  tok_describe(&x->t, b, sizeof(b)));
				skip_statement(x);
				continue;
			}
			lex_next(x);
		} else {
			add_error(c, &x->t.loc,
				  "unknown rule setting %s: use storyline, weight, action, limit, urgency, match, exec or timeout",
				  tok_describe(&x->t, b, sizeof(b)));
			skip_statement(x);
			continue;
		}
		(void)expect_end(x);
		skip_statement(x);
	}
	if (!has_match)
		add_error(c, &l, "rule '%s' has no 'match' expression", name);
	if (!p.storyline)
		add_error(c, &l, "rule '%s' does not say its storyline", name);
	if (p.has_timeout && !p.exec_argv)
		add_error(c, &l, "rule '%s' has a timeout but no exec hook", name);
	c->pend = xreallocarray(c->pend, c->n_pend + 1, sizeof(*c->pend));
	c->pend[c->n_pend++] = p;
}

static int parse_file(struct ctx *c, const char *path, const char *dir, const char *text,
		      size_t len, enum mode mode, size_t storyline, unsigned include_depth)
{
	char b[160];
	struct lexer x = { .c = c, .line = 1 };

	c->srcs = xreallocarray(c->srcs, c->n_srcs + 1, sizeof(*c->srcs));
	c->srcs[c->n_srcs] = (struct src){ .path = xstrdup(path), .dir = xstrdup_or_null(dir),
					   .text = xstrndup(text, len), .len = len };
	x.file = (uint32_t)c->n_srcs++;
	x.s = c->srcs[x.file].text;
	x.len = len;

	if (len > RULES_MAX_FILE_BYTES) {
		add_file_error(c, path, "file is larger than %u bytes", RULES_MAX_FILE_BYTES);
		return -EFBIG;
	}
	/* Stray bytes would only confuse the messages below: report them first. */
	for (size_t i = 0, line = 1, line_off = 0; i < len;) {
		uint32_t cp;
		int l = utf8_decode((const unsigned char *)text + i, len - i, &cp);
		if (l < 0 || cp == 0) {
			struct loc el = { .file = x.file, .line = (uint32_t)line,
					  .line_off = (uint32_t)line_off, .off = (uint32_t)i };
			add_error(c, &el, l < 0 ? "invalid UTF-8" : "NUL byte in text");
			/* Blank it so the lexer and the caret line stay sane. */
			c->srcs[x.file].text[i] = ' ';
			i++;
			continue;
		}
		if (cp == '\n')
			line++, line_off = i + 1;
		i += (size_t)l;
	}

	lex_next(&x);
	while (x.t.kind != T_EOF) {
		if (x.t.kind == T_NEWLINE) {
			lex_next(&x);
			continue;
		}
		if (is_keyword(&x.t, "define")) {
			stmt_define(c, &x);
			continue;
		}
		if (is_keyword(&x.t, "include")) {
			lex_next(&x);
			if (x.t.kind != T_STRING) {
				add_error(c, &x.t.loc, "expected a \"file name\" after 'include', found %s",
					  tok_describe(&x.t, b, sizeof(b)));
				skip_statement(&x);
				continue;
			}
			_cleanup_free_ char *rel = steal_ptr(x.t.text);
			struct loc rl = x.t.loc;
			lex_next(&x);
			if (expect_end(&x))
				parse_subfile(c, &x, rel, &rl, mode, storyline, include_depth, true);
			skip_statement(&x);
			continue;
		}
		switch (mode) {
		case MODE_TOP:
			if (is_keyword(&x.t, "storyline")) {
				stmt_storyline(c, &x, include_depth);
				continue;
			}
			if (is_keyword(&x.t, "rule")) {
				stmt_rule(c, &x);
				continue;
			}
			add_error(c, &x.t.loc, "expected rule, storyline, define or include, found %s",
				  tok_describe(&x.t, b, sizeof(b)));
			break;
		case MODE_PROFILE:
			if (is_keyword(&x.t, "fact")) {
				stmt_fact(c, &x, storyline);
				continue;
			}
			add_error(c, &x.t.loc, "expected fact, define or include in a profile, found %s",
				  tok_describe(&x.t, b, sizeof(b)));
			break;
		}
		skip_statement(&x);
	}
	free(x.t.text);
	return 0;
}

/* ---- compiling ------------------------------------------------------------------ */

static void node_free(struct node *n)
{
	if (!n)
		return;
	node_free(n->a);
	node_free(n->b);
	free(n->text);
	free(n->list);
	free(n);
}

/* True when an OR chain holds only terms looking in fields. */
static bool is_term_list(const struct node *n, unsigned fields)
{
	if (n->kind == NODE_OR)
		return is_term_list(n->a, fields) && is_term_list(n->b, fields);
	return n->kind == NODE_TERM && n->fields == fields;
}

struct flat_term {
	uint32_t term;
	const char *text, *list;
};

static void collect_terms(const struct node *n, struct flat_term **v, size_t *len)
{
	for (; n->kind == NODE_OR; n = n->a)
		collect_terms(n->b, v, len);
	*v = xreallocarray(*v, *len + 1, sizeof(**v));
	(*v)[(*len)++] = (struct flat_term){ n->term, n->text, n->list };
}

/* By term, then by the text as written, so the first of a term's spellings
 * is the same whatever the order of the list. */
static int cmp_flat_term(const void *a, const void *b)
{
	const struct flat_term *x = a, *y = b;

	if (x->term != y->term)
		return x->term < y->term ? -1 : 1;
	return strcmp(x->text, y->text);
}

static bool flat_equal(const struct flat *f, unsigned fields, const struct flat_term *v, size_t n)
{
	if (f->fields != fields || f->n_terms != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (f->terms[i] != v[i].term || !streq(f->texts[i], v[i].text) ||
		    !streq_ptr(f->lists[i], v[i].list))
			return false;
	return true;
}

/* The flat term list of this chain: an existing one when a term list is used
 * twice with the same fields (each $LIST is expanded where it is used). */
static uint32_t flat_of(struct ruleset *rs, const struct node *n, unsigned fields)
{
	_cleanup_free_ struct flat_term *v = NULL;
	size_t len = 0, u = 0;

	collect_terms(n, &v, &len);
	qsort(v, len, sizeof(*v), cmp_flat_term);
	for (size_t i = 0; i < len; i++)
		if (u == 0 || v[u - 1].term != v[i].term)
			v[u++] = v[i];
	for (size_t f = 0; f < rs->n_flat; f++)
		if (flat_equal(&rs->flats[f], fields, v, u))
			return (uint32_t)f;
	struct flat fl = {
		.fields = fields,
		.terms = xreallocarray(NULL, u, sizeof(uint32_t)),
		.texts = xreallocarray(NULL, u, sizeof(char *)),
		.lists = xreallocarray(NULL, u, sizeof(char *)),
		.n_terms = u,
	};
	for (size_t i = 0; i < u; i++) {
		struct term *t = &rs->terms[v[i].term];
		fl.terms[i] = v[i].term;
		fl.texts[i] = v[i].text;
		fl.lists[i] = v[i].list;
		t->flats = xreallocarray(t->flats, t->n_flats + 1, sizeof(*t->flats));
		t->flats[t->n_flats++] = (uint32_t)rs->n_flat;
	}
	rs->flats = xreallocarray(rs->flats, rs->n_flat + 1, sizeof(*rs->flats));
	rs->flats[rs->n_flat] = fl;
	return (uint32_t)rs->n_flat++;
}

/* Makes each OR chain of plain terms a flat term list (node.is_flat). */
static void flatten(struct ruleset *rs, struct node *n)
{
	if (!n)
		return;
	if (n->kind == NODE_OR) {
		const struct node *leaf = n;

		while (leaf->kind == NODE_OR)
			leaf = leaf->a;
		if (leaf->kind == NODE_TERM && is_term_list(n, leaf->fields)) {
			n->is_flat = true;
			n->fields = leaf->fields;
			n->flat = flat_of(rs, n, leaf->fields);
			return;
		}
	}
	flatten(rs, n->a);
	flatten(rs, n->b);
}

static struct term_table *table_of(struct ruleset *rs, enum term_kind k)
{
	switch (k) {
	case TERM_WORD: return &rs->words;
	case TERM_PREFIX: return &rs->prefixes;
	case TERM_PHRASE: return &rs->phrases;
	}
	return NULL;
}

static const struct term_table *ctable_of(const struct ruleset *rs, enum term_kind k)
{
	return table_of((struct ruleset *)rs, k);
}

int64_t ruleset_find_term(const struct ruleset *rs, enum term_kind kind, const char *folded, size_t len)
{
	return term_table_find(rs, ctable_of(rs, kind), folded, len, fold_first8(folded, len),
			       term_hash(kind, folded, len));
}

static void slot_put(struct term_table *t, uint32_t id, uint64_t hash)
{
	size_t j = hash & t->mask;

	while (t->slots[j].id)
		j = (j + 1) & t->mask;
	t->slots[j] = (struct term_slot){ .id = id + 1, .tag = (uint32_t)(hash >> 32) };
}

static void table_insert(struct ruleset *rs, struct term_table *t, uint32_t id)
{
	if ((t->n + 1) * 2 > t->mask + 1 || !t->slots) {
		size_t size = t->slots ? (t->mask + 1) * 2 : 64;
		struct term_slot *old = t->slots;
		size_t old_size = t->slots ? t->mask + 1 : 0;
		t->slots = xcalloc(size, sizeof(*t->slots));
		t->mask = size - 1;
		for (size_t i = 0; i < old_size; i++)
			if (old[i].id)
				slot_put(t, old[i].id - 1, rs->terms[old[i].id - 1].hash);
		free(old);
	}
	slot_put(t, id, rs->terms[id].hash);
	t->n++;
}

/* Returns the term id, or -1 past RULES_MAX_TERMS. */
static int64_t add_term(struct ruleset *rs, enum term_kind kind, const char *folded,
			const uint32_t *parts, size_t n_parts)
{
	size_t len = strlen(folded);
	/* Zeros past the NUL: the matcher reads eight bytes at a time. */
	_cleanup_free_ char *copy = xcalloc(len + 1 + FOLD_SLACK, 1);
	memcpy(copy, folded, len);
	int64_t id = ruleset_find_term(rs, kind, copy, len);

	if (id >= 0)
		return id;
	if (rs->n_terms >= RULES_MAX_TERMS)
		return -1;
	if (rs->n_terms == rs->cap_terms) {
		rs->cap_terms = rs->cap_terms ? rs->cap_terms * 2 : 256;
		rs->terms = xreallocarray(rs->terms, rs->cap_terms, sizeof(*rs->terms));
	}
	struct term *t = &rs->terms[rs->n_terms];
	uint64_t hash = term_hash(kind, copy, len), first8 = fold_first8(copy, len);
	*t = (struct term){
		.kind = kind, .len = len, .hash = hash, .first8 = first8, .folded = steal_ptr(copy),
	};
	if (n_parts) {
		t->parts = xreallocarray(NULL, n_parts, sizeof(*parts));
		memcpy(t->parts, parts, n_parts * sizeof(*parts));
		t->n_parts = n_parts;
	}
	id = (int64_t)rs->n_terms++;
	table_insert(rs, table_of(rs, kind), (uint32_t)id);
	if (kind == TERM_WORD)
		filter_set(rs->word_filter, filter_key_word(t->first8, len));
	if (kind == TERM_PREFIX && len >= 4)
		filter_set(rs->quad_filter, filter_key_quad(t->first8));
	if (kind == TERM_PREFIX && len < 4)
		filter_set(rs->short_filter, filter_key_word(t->first8, len));
	if (kind == TERM_PHRASE) {
		struct term *first = &rs->terms[parts[0]];
		first->phrases = xreallocarray(first->phrases, first->n_phrases + 1, sizeof(uint32_t));
		first->phrases[first->n_phrases++] = (uint32_t)id;
	}
	if (kind == TERM_PREFIX) {
		unsigned pair = (unsigned)(unsigned char)folded[0] << 8 | (unsigned char)folded[1];
		if (!rs->prefix_lens)
			rs->prefix_lens = xcalloc(65536, sizeof(*rs->prefix_lens));
		rs->prefix_lens[pair] |= UINT32_C(1) << MIN(len, (size_t)31);
		rs->prefix_len[len] = true;
		rs->min_prefix = rs->min_prefix ? MIN(rs->min_prefix, len) : len;
		rs->max_prefix = MAX(rs->max_prefix, len);
	}
	return id;
}

struct compile {
	struct ctx *c;
	bool is_quiet;       /* expanding a term list whose errors are already out */
	bool has_failed;
	bool is_over_budget; /* RULES_MAX_RULE_TERMS: reported once, by the caller */
	const struct define *checking; /* the term list whose body is being checked */
	const char *list;    /* the innermost term list being expanded, or NULL */
};

static void cerror(struct compile *k, const struct loc *l, const char *fmt, ...) _printf_(3, 4);
static void cerror(struct compile *k, const struct loc *l, const char *fmt, ...)
{
	va_list ap;
	_cleanup_free_ char *m = NULL;

	k->has_failed = true;
	if (k->is_quiet)
		return;
	va_start(ap, fmt);
	m = xvasprintf(fmt, ap);
	va_end(ap);
	add_error(k->c, l, "%s", m);
}

static struct node *compile_term_text(struct compile *k, const struct ast *a, unsigned fields)
{
	struct ruleset *rs = k->c->rs;
	bool is_prefix = a->kind == AST_WORD && a->text[0] && a->text[strlen(a->text) - 1] == '*';
	size_t n = strlen(a->text) - (is_prefix ? 1 : 0);
	_cleanup_fold_text_ struct fold_text ft = { 0 };
	int64_t id;

	fold_append(&ft, a->text, n);
	if (ft.n_tokens == 0) {
		cerror(k, &a->loc, "%s has no letters or digits", a->kind == AST_PHRASE ? "phrase" : "word");
		return NULL;
	}
	for (size_t i = 0; i < ft.n_tokens; i++)
		if (ft.tokens[i].len > RULES_MAX_TERM_BYTES) {
			cerror(k, &a->loc, "word longer than %u bytes", RULES_MAX_TERM_BYTES);
			return NULL;
		}
	if (k->c->rule_budget == 0) {
		k->is_over_budget = k->has_failed = true;
		return NULL;
	}
	k->c->rule_budget--;

	if (is_prefix) {
		if (ft.n_tokens != 1) {
			cerror(k, &a->loc, "a wildcard ends one word: '%s' folds to %zu words", a->text,
			       ft.n_tokens);
			return NULL;
		}
		size_t chars = 0;
		for (const char *p = fold_token_str(&ft, 0); *p; p++)
			chars += ((unsigned char)*p & 0xc0) != 0x80;
		if (chars < 2) {
			cerror(k, &a->loc, "'%s' is too short: a wildcard needs 2 letters before '*'", a->text);
			return NULL;
		}
		id = add_term(rs, TERM_PREFIX, fold_token_str(&ft, 0), NULL, 0);
	} else if (ft.n_tokens == 1) {
		id = add_term(rs, TERM_WORD, fold_token_str(&ft, 0), NULL, 0);
	} else {
		_cleanup_free_ uint32_t *parts = xreallocarray(NULL, ft.n_tokens, sizeof(uint32_t));
		_cleanup_free_ char *joined = fold_string(a->text, n);
		id = 0;
		for (size_t i = 0; i < ft.n_tokens && id >= 0; i++) {
			id = add_term(rs, TERM_WORD, fold_token_str(&ft, i), NULL, 0);
			parts[i] = (uint32_t)id;
		}
		if (id >= 0)
			id = add_term(rs, TERM_PHRASE, joined, parts, ft.n_tokens);
	}
	if (id < 0) {
		cerror(k, &a->loc, "more than %u distinct terms in the rules", RULES_MAX_TERMS);
		return NULL;
	}
	struct node *nd = xcalloc(1, sizeof(*nd));
	nd->kind = NODE_TERM;
	nd->term = (uint32_t)id;
	nd->fields = fields;
	nd->text = a->kind == AST_PHRASE ? xasprintf("\"%s\"", a->text) : xstrdup(a->text);
	nd->list = k->list ? xstrdup(k->list) : NULL;
	return nd;
}

/* Words, phrases, prefixes, OR-groups and NEAR have positions NEAR can use. */
static bool is_positional(const struct node *n)
{
	switch (n->kind) {
	case NODE_TERM:
	case NODE_NEAR:
		return true;
	case NODE_OR:
		return is_positional(n->a) && is_positional(n->b);
	case NODE_AND:
	case NODE_NOT:
		return false;
	}
	return false;
}

static struct node *compile_ast(struct compile *k, const struct ast *a, unsigned fields, unsigned depth)
{
	if (depth > 2 * RULES_MAX_DEPTH) {
		cerror(k, &a->loc, "expression nested deeper than %u levels, term lists expanded",
		       2 * RULES_MAX_DEPTH);
		return NULL;
	}
	switch (a->kind) {
	case AST_WORD:
	case AST_PHRASE:
		return compile_term_text(k, a, fields);
	case AST_FIELD:
		/* The innermost scope wins: title:(x OR summary:y). */
		return compile_ast(k, a->a, FIELD_BIT(a->n), depth + 1);
	case AST_REF: {
		struct define *d = NULL;
		for (size_t i = 0; i < k->c->n_defines; i++)
			if (streq(k->c->defines[i].name, a->text))
				d = &k->c->defines[i];
		if (!d) {
			cerror(k, &a->loc, "unknown term list '$%s'", a->text);
			return NULL;
		}
		if (d->is_expanding) {
			/* Reported once per list in the loop, where the loop closes. */
			k->has_failed = true;
			if (k->checking == d)
				add_error(k->c, &a->loc, "term list '$%s' refers to itself", a->text);
			return NULL;
		}
		if (d->is_bad) {
			k->has_failed = true;
			return NULL;
		}
		bool was_quiet = k->is_quiet;
		const char *outer = k->list;
		d->is_expanding = true;
		k->is_quiet = true;
		k->list = d->name;
		struct node *n = compile_ast(k, d->body, fields, depth + 1);
		k->list = outer;
		k->is_quiet = was_quiet;
		d->is_expanding = false;
		return n;
	}
	case AST_NOT: {
		struct node *inner = compile_ast(k, a->a, fields, depth + 1);
		if (!inner)
			return NULL;
		struct node *n = xcalloc(1, sizeof(*n));
		n->kind = NODE_NOT;
		n->a = inner;
		return n;
	}
	case AST_AND:
	case AST_OR:
	case AST_NEAR: {
		/* A chain of one operator (a OR b OR c ...) is one level, not
		 * one per operand: long term lists are flat, not deep. */
		struct node *l = compile_ast(k, a->a, fields, depth + (a->a->kind != a->kind));
		struct node *r = compile_ast(k, a->b, fields, depth + (a->b->kind != a->kind));
		if (!l || !r) {
			node_free(l);
			node_free(r);
			return NULL;
		}
		if (a->kind == AST_NEAR && (!is_positional(l) || !is_positional(r))) {
			const struct ast *bad = !is_positional(l) ? a->a : a->b;
			cerror(k, &bad->loc,
			       "NEAR joins words, phrases, prefixes and OR-groups of them, not AND or NOT");
			node_free(l);
			node_free(r);
			return NULL;
		}
		struct node *n = xcalloc(1, sizeof(*n));
		n->kind = a->kind == AST_AND ? NODE_AND : a->kind == AST_OR ? NODE_OR : NODE_NEAR;
		n->distance = a->n;
		n->a = l;
		n->b = r;
		return n;
	}
	}
	return NULL;
}

/* True when the expression holds for an item in which none of its terms
 * occur: such a rule cannot be found through its terms. */
static bool matches_without_terms(const struct node *n)
{
	switch (n->kind) {
	case NODE_TERM:
	case NODE_NEAR:
		return false;
	case NODE_NOT:
		return true;
	case NODE_AND:
		return matches_without_terms(n->a) && matches_without_terms(n->b);
	case NODE_OR:
		return matches_without_terms(n->a) || matches_without_terms(n->b);
	}
	return false;
}

static void add_posting(struct ruleset *rs, uint32_t term, uint32_t rule)
{
	struct term *t = &rs->terms[term];

	if (t->n_rules && t->rules[t->n_rules - 1] == rule)
		return;
	if (t->n_rules == t->cap_rules) {
		t->cap_rules = t->cap_rules ? t->cap_rules * 2 : 4;
		t->rules = xreallocarray(t->rules, t->cap_rules, sizeof(*t->rules));
	}
	t->rules[t->n_rules++] = rule;
}

/* A rule is found through the terms that can make it hold: not those under
 * NOT.  The compiler refuses rules that hold without any term, so a rule
 * that holds has one of these. */
static void add_postings(struct ruleset *rs, const struct node *n, uint32_t rule, bool is_negated)
{
	if (!n)
		return;
	if (n->kind == NODE_TERM) {
		struct term *t = &rs->terms[n->term];
		if (!is_negated)
			add_posting(rs, n->term, rule);
		rs->fields |= n->fields;
		t->fields |= n->fields;
		for (size_t i = 0; i < t->n_parts; i++)
			rs->terms[t->parts[i]].fields |= n->fields;
	}
	add_postings(rs, n->a, rule, is_negated || n->kind == NODE_NOT);
	add_postings(rs, n->b, rule, is_negated);
}

void ruleset_free(struct ruleset *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n_storylines; i++) {
		free(rs->storylines[i].name);
		free(rs->storylines[i].title);
	}
	free(rs->storylines);
	for (size_t i = 0; i < rs->n_rules; i++) {
		free(rs->rules[i].name);
		strv_free(rs->rules[i].exec_argv);
		node_free(rs->rules[i].expr);
	}
	free(rs->rules);
	for (size_t i = 0; i < rs->n_terms; i++) {
		free(rs->terms[i].folded);
		free(rs->terms[i].parts);
		free(rs->terms[i].rules);
		free(rs->terms[i].flats);
		free(rs->terms[i].phrases);
	}
	free(rs->terms);
	for (size_t i = 0; i < rs->n_flat; i++) {
		free(rs->flats[i].terms);
		free(rs->flats[i].texts);
		free(rs->flats[i].lists);
	}
	free(rs->flats);
	free(rs->prefix_lens);
	free(rs->words.slots);
	free(rs->prefixes.slots);
	free(rs->phrases.slots);
	free(rs);
}

/* Errors found while compiling come after the syntax errors: put every
 * error back in file and line order (insertion sort: stable, and there are
 * at most RULES_MAX_ERRORS). */
static void sort_errors(struct ctx *c)
{
	if (!c->errors || c->errors->n <= c->first_error)
		return;
	struct rules_error *v = c->errors->v + c->first_error;
	size_t n = c->errors->n - c->first_error;
	for (size_t i = 1; i < n; i++) {
		struct rules_error e = v[i];
		uint32_t f = c->error_src[i];
		size_t j = i;
		while (j > 0 && (c->error_src[j - 1] > f ||
				 (c->error_src[j - 1] == f && (v[j - 1].line > e.line ||
				  (v[j - 1].line == e.line && v[j - 1].column > e.column))))) {
			v[j] = v[j - 1];
			c->error_src[j] = c->error_src[j - 1];
			j--;
		}
		v[j] = e;
		c->error_src[j] = f;
	}
}

static void ctx_free(struct ctx *c)
{
	sort_errors(c);
	free(c->error_src);
	for (size_t i = 0; i < c->n_read_once; i++)
		free(c->read_once[i]);
	free(c->read_once);
	for (size_t i = 0; i < c->n_srcs; i++) {
		free(c->srcs[i].path);
		free(c->srcs[i].dir);
		free(c->srcs[i].text);
	}
	free(c->srcs);
	for (size_t i = 0; i < c->n_defines; i++) {
		free(c->defines[i].name);
		ast_free(c->defines[i].body);
	}
	free(c->defines);
	for (size_t i = 0; i < c->n_pend; i++) {
		free(c->pend[i].name);
		free(c->pend[i].storyline);
		strv_free(c->pend[i].exec_argv);
		ast_free(c->pend[i].expr);
	}
	free(c->pend);
	for (size_t i = 0; i < c->n_sls; i++) {
		free(c->sls[i].name);
		free(c->sls[i].title);
	}
	free(c->sls);
	ruleset_free(c->rs);
}

/* After every file is read: term lists, storylines, rules, the index. */
static int compile_all(struct ctx *c, struct ruleset **ret)
{
	struct ruleset *rs;

	static uint64_t serial;

	c->rs = rs = xcalloc(1, sizeof(*rs));
	rs->serial = ++serial;

	/* Term list bodies are checked once, so a broken list is one error, not
	 * one per rule that uses it. */
	for (size_t i = 0; i < c->n_defines; i++) {
		struct compile k = { .c = c, .checking = &c->defines[i] };
		c->rule_budget = RULES_MAX_RULE_TERMS;
		c->defines[i].is_expanding = true;
		node_free(compile_ast(&k, c->defines[i].body, FIELD_DEFAULT_MASK, 0));
		c->defines[i].is_expanding = false;
		if (k.is_over_budget)
			add_error(c, &c->defines[i].loc, "term list '%s' has more than %u terms, expanded",
				  c->defines[i].name, RULES_MAX_RULE_TERMS);
		c->defines[i].is_bad = k.has_failed;
	}

	rs->storylines = xcalloc(c->n_sls ? c->n_sls : 1, sizeof(*rs->storylines));
	for (size_t i = 0; i < c->n_sls; i++) {
		rs->storylines[i] = (struct storyline){
			.name = steal_ptr(c->sls[i].name),
			.title = c->sls[i].title ? steal_ptr(c->sls[i].title) : NULL,
			.notify_at = c->sls[i].notify_at,
			.log_at = c->sls[i].log_at,
		};
		rs->n_storylines++;
	}

	rs->rules = xcalloc(c->n_pend ? c->n_pend : 1, sizeof(*rs->rules));
	for (size_t i = 0; i < c->n_pend; i++) {
		struct pending *p = &c->pend[i];
		struct compile k = { .c = c };
		size_t sl = p->storyline_idx;

		if (!p->is_fact && p->storyline) {
			ssize_t s = -1;
			for (size_t j = 0; j < rs->n_storylines; j++)
				if (streq(rs->storylines[j].name, p->storyline))
					s = (ssize_t)j;
			if (s < 0)
				add_error(c, &p->storyline_loc, "unknown storyline '%s'", p->storyline);
			else
				sl = (size_t)s;
		}
		if (!p->expr)
			continue;
		c->rule_budget = RULES_MAX_RULE_TERMS;
		struct node *n = compile_ast(&k, p->expr, FIELD_DEFAULT_MASK, 0);
		if (k.is_over_budget)
			add_error(c, &p->loc, "%s has more than %u terms once its term lists are expanded",
				  p->is_fact ? "this fact" : "this rule", RULES_MAX_RULE_TERMS);
		if (!n) {
			/* Its errors are out, unless they belong to a term list
			 * reported once; never fail without a word. */
			if (!c->n_errors)
				add_error(c, &p->expr->loc, "this expression uses a term list with errors");
			continue;
		}
		if (matches_without_terms(n)) {
			add_error(c, &p->expr->loc,
				  "this expression also matches items without any of its words: add a word the item must contain");
			node_free(n);
			continue;
		}
		if (c->n_errors)
			node_free(n);
		else {
			uint32_t idx = (uint32_t)rs->n_rules++;
			rs->rules[idx] = (struct rule){
				.name = steal_ptr(p->name),
				.is_fact = p->is_fact,
				.storyline = sl,
				.weight = p->weight,
				.action = p->action,
				.limit = p->limit,
				.urgency = p->urgency,
				.exec_argv = steal_ptr(p->exec_argv),
				.exec_timeout_usec = p->exec_timeout_usec,
				.expr = n,
			};
			add_postings(rs, n, idx, false);
			flatten(rs, n);
		}
	}
	if (c->n_errors)
		return -EINVAL;
	*ret = steal_ptr(c->rs);
	return 0;
}

int rules_compile_text(const char *name, const char *text, size_t len, const char *base_dir,
		       struct ruleset **ret, struct rules_errors *errors)
{
	struct ctx c = { .errors = errors, .first_error = errors ? errors->n : 0 };
	int r;

	(void)parse_file(&c, name, base_dir, text, len, MODE_TOP, 0, 0);
	r = compile_all(&c, ret);
	ctx_free(&c);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int rules_compile_dir(const char *dir, struct ruleset **ret, struct rules_errors *errors)
{
	_cleanup_strv_free_ char **names = NULL;
	struct ctx c = { .errors = errors, .first_error = errors ? errors->n : 0 };
	size_t n = 0;
	struct dirent *de;
	DIR *d;
	int r;

	d = opendir(dir);
	if (!d) {
		r = -errno;
		if (errors) {
			errors->v = xreallocarray(errors->v, errors->n + 1, sizeof(*errors->v));
			errors->v[errors->n++] = (struct rules_error){
				.file = xstrdup(dir),
				.message = xasprintf("cannot read the rules directory: %s", strerror(-r)),
			};
		}
		return r;
	}
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (de->d_name[0] == '.' || l < 7 || !streq(de->d_name + l - 6, ".rules"))
			continue;
		if (n >= RULES_MAX_FILES)
			break;
		names = xreallocarray(names, n + 2, sizeof(char *));
		names[n++] = xstrdup(de->d_name);
		names[n] = NULL;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(char *), cmp_str);

	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *path = xasprintf("%s/%s", dir, names[i]), *text = NULL;
		size_t len;
		if (!first_reading(&c, path))
			continue;
		r = read_file_bounded(path, &text, &len);
		if (r == -EFBIG) {
			add_file_error(&c, path, "file is larger than %u bytes", RULES_MAX_FILE_BYTES);
			continue;
		}
		if (r < 0) {
			add_file_error(&c, path, "cannot read: %s", strerror(-r));
			continue;
		}
		(void)parse_file(&c, path, dir, text, len, MODE_TOP, 0, 0);
	}
	r = compile_all(&c, ret);
	ctx_free(&c);
	return r;
}

size_t ruleset_n_storylines(const struct ruleset *rs)
{
	return rs->n_storylines;
}

size_t ruleset_n_rules(const struct ruleset *rs)
{
	size_t n = 0;

	for (size_t i = 0; i < rs->n_rules; i++)
		n += !rs->rules[i].is_fact;
	return n;
}

size_t ruleset_n_facts(const struct ruleset *rs)
{
	return rs->n_rules - ruleset_n_rules(rs);
}

size_t ruleset_n_terms(const struct ruleset *rs)
{
	return rs->n_terms;
}

int ruleset_rule_exec(const struct ruleset *rs, const char *name, const char *const **ret_argv,
		      uint64_t *ret_timeout_usec)
{
	for (size_t i = 0; i < rs->n_rules; i++)
		if (!rs->rules[i].is_fact && streq(rs->rules[i].name, name)) {
			if (!rs->rules[i].exec_argv)
				return -ENOENT;
			*ret_argv = (const char *const *)rs->rules[i].exec_argv;
			*ret_timeout_usec = rs->rules[i].exec_timeout_usec;
			return 0;
		}
	return -ENOENT;
}
