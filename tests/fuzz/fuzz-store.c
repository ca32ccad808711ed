/* fuzz-store.c - libFuzzer target: any bytes as the state file.  Opening
 * either succeeds and the file reads back, or it is refused and the bytes
 * are exactly as they were. */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "store.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *dir;

static void remove_all(const char *path)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };

	for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
		_cleanup_free_ char *p = xasprintf("%s%s", path, suffixes[i]);

		(void) unlink(p);
	}
}

static void remove_dir(void)
{
	(void) rmdir(dir);
	free(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *path = NULL, *back = NULL;
	struct feed_state *feeds = NULL;
	struct store *s = NULL;
	struct diag d = { 0 };
	size_t n_feeds = 0;
	FILE *f;
	int r;

	if (size > 256 * 1024)
		return 0;
	if (!dir) {
		const char *tmp = getenv("TMPDIR");

		dir = xasprintf("%s/fuzz-store.XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(dir))
			abort();
		atexit(remove_dir);
	}
	path = xasprintf("%s/state.db", dir);
	remove_all(path);
	f = fopen(path, "we");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		abort();

	r = store_open(path, &s, &d);
	if (r >= 0) {
		if (store_feed_list(s, &feeds, &n_feeds) >= 0)
			feed_state_free_array(feeds, n_feeds);
		(void) store_item_get(s, "https://a.example/", "id:1", NULL);
		store_close(s);
	} else if (r == -EBADMSG || r == -EPROTO) {
		size_t n = 0;

		/* Refused: untouched. */
		if (!d.message)
			abort();
		back = xmalloc(size + 1);
		f = fopen(path, "re");
		if (!f)
			abort();
		n = fread(back, 1, size + 1, f);
		fclose(f);
		if (n != size || memcmp(back, data, size) != 0)
			abort();
	}
	diag_clear(&d);
	remove_all(path);
	return 0;
}
