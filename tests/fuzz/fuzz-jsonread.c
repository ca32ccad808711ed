/* fuzz-jsonread.c - libFuzzer target for the JSON reader. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "diag.h"
#include "jsonread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Walks the tree so every node is read. */
static size_t walk(const struct json_value *v)
{
	size_t n = 1;

	switch (v->type) {
	case JSON_NULL:
	case JSON_FALSE:
	case JSON_TRUE:
	case JSON_NUMBER:
		break;
	case JSON_STRING:
		n += v->string.len;
		break;
	case JSON_ARRAY:
		for (size_t i = 0; i < v->array.n; i++)
			n += walk(v->array.items[i]);
		break;
	case JSON_OBJECT:
		for (size_t i = 0; i < v->object.n; i++)
			n += v->object.members[i].key_len + walk(v->object.members[i].value);
		(void)jsonread_get_string(v, "title");
		break;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_value *v = NULL;
	struct diag d = { 0 };

	if (jsonread_parse((const char *)data, size, JSONREAD_MAX_DEPTH_DEFAULT, &v, &d) == 0) {
		if (walk(v) == 0)
			abort();
		jsonread_free(v);
	}
	diag_clear(&d);
	return 0;
}
