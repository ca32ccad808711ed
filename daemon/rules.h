/* rules.h - read and compile a directory of *.rules files (storywatch.rules(5)).
 *
 * Pure apart from reading the files it is pointed at.  Every error found is
 * reported with its file, line and column; nothing is compiled unless the
 * whole directory is clean. */
#pragma once

#include <stdint.h>
#include <stdio.h>

struct ruleset;

/* Ceilings for hostile or runaway input, SPEC section 9. */
#define RULES_MAX_FILE_BYTES    (1024u * 1024)
#define RULES_MAX_FILES         1000
#define RULES_MAX_DEPTH         32      /* nested parentheses and NOT */
#define RULES_MAX_INCLUDE_DEPTH 8
#define RULES_MAX_TERMS         100000  /* distinct terms in one ruleset */
#define RULES_MAX_RULE_TERMS    10000   /* terms in one rule, term lists expanded */
#define RULES_MAX_ERRORS        200
#define RULES_MAX_NEAR          255
#define RULES_MAX_TERM_BYTES    128

/* One problem in the input.  column counts characters from 1; line 0 means
 * the whole file.  source is the offending line without its newline, or NULL. */
struct rules_error {
	char *file;
	unsigned line;
	unsigned column;
	char *message;
	char *source;
};

struct rules_errors {
	struct rules_error *v;
	size_t n;
};

/* Compiles dir/ *.rules in byte order of their names.  Returns 0 with *ret set
 * when there is no error; otherwise -EINVAL (bad rules), or -errno when the
 * directory cannot be read, and errors (when given) lists every problem. */
int rules_compile_dir(const char *dir, struct ruleset **ret, struct rules_errors *errors);

/* Compiles one rules text named name (for messages).  include and profile
 * paths are resolved against base_dir; NULL refuses them. */
int rules_compile_text(const char *name, const char *text, size_t len, const char *base_dir,
		       struct ruleset **ret, struct rules_errors *errors);

/* "file:line:column: message", then the source line and a caret under the
 * column, each ending in a newline.  The caller frees the result. */
char *rules_error_format(const struct rules_error *e);
void rules_errors_print(const struct rules_errors *errors, FILE *f);
void rules_errors_clear(struct rules_errors *errors);

void ruleset_free(struct ruleset *rs);
static inline void ruleset_freep(struct ruleset **rs) { ruleset_free(*rs); }
#define _cleanup_ruleset_ __attribute__((cleanup(ruleset_freep)))

size_t ruleset_n_storylines(const struct ruleset *rs);
size_t ruleset_n_rules(const struct ruleset *rs);   /* facts not counted */
size_t ruleset_n_facts(const struct ruleset *rs);
size_t ruleset_n_terms(const struct ruleset *rs);

/* The exec hook of rule name: a NULL-terminated argv (borrowed) and its
 * timeout; returns -ENOENT when there is no such rule or it has no hook. */
int ruleset_rule_exec(const struct ruleset *rs, const char *name,
		      const char *const **ret_argv, uint64_t *ret_timeout_usec);
