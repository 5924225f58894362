/* t_util.c: bounded strings, paths, integer parsing, mkdir -p and the JSON writer. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "tap.h"
#include "util.h"

static void test_str_copy(void)
{
	char buf[4];

	is_int(str_copy(buf, sizeof(buf), "ab"), 0, "str_copy: fits");
	is_str(buf, "ab", "str_copy: copied");
	is_int(str_copy(buf, sizeof(buf), "abc"), 0, "str_copy: exactly size - 1 bytes fits");
	is_str(buf, "abc", "str_copy: boundary copy is whole");
	memset(buf, 'x', sizeof(buf));
	is_int(str_copy(buf, sizeof(buf), "abcd"), DROVER_E_RANGE,
	       "str_copy: one byte too many is RANGE");
	ok(buf[3] == '\0', "str_copy: truncated copy is NUL-terminated");
	is_str(buf, "abc", "str_copy: truncated copy keeps the prefix");
	is_int(str_copy(buf, sizeof(buf), "a much longer string"), DROVER_E_RANGE,
	       "str_copy: long string is RANGE");
	is_str(buf, "a m", "str_copy: long string truncated to size - 1");
	is_int(str_copy(buf, sizeof(buf), ""), 0, "str_copy: empty string");
	is_str(buf, "", "str_copy: empty copied");
	buf[0] = 'z';
	is_int(str_copy(buf, 0, "a"), DROVER_E_RANGE, "str_copy: size 0 is RANGE");
	ok(buf[0] == 'z', "str_copy: size 0 writes nothing");
	is_int(str_copy(buf, 1, "a"), DROVER_E_RANGE, "str_copy: size 1 with text is RANGE");
	is_str(buf, "", "str_copy: size 1 leaves an empty string");
}

static void test_str_fmt(void)
{
	char buf[8];

	is_int(str_fmt(buf, sizeof(buf), "%s-%d", "ab", 12), 0, "str_fmt: fits");
	is_str(buf, "ab-12", "str_fmt: formatted");
	is_int(str_fmt(buf, sizeof(buf), "%s", "1234567"), 0, "str_fmt: exactly size - 1 fits");
	is_str(buf, "1234567", "str_fmt: boundary text");
	is_int(str_fmt(buf, sizeof(buf), "%s-%d", "hello", 123), DROVER_E_RANGE,
	       "str_fmt: truncation is RANGE");
	is_str(buf, "hello-1", "str_fmt: truncated text is NUL-terminated prefix");
}

static void test_path_join(void)
{
	char buf[16];

	is_int(path_join(buf, sizeof(buf), "/a/b", "c"), 0, "path_join: no trailing slash");
	is_str(buf, "/a/b/c", "path_join: one slash added");
	is_int(path_join(buf, sizeof(buf), "/a/b/", "c"), 0, "path_join: trailing slash");
	is_str(buf, "/a/b/c", "path_join: no doubled slash");
	is_int(path_join(buf, sizeof(buf), "/", "etc"), 0, "path_join: root");
	is_str(buf, "/etc", "path_join: root joined");
	is_int(path_join(buf, sizeof(buf), "/0123456789", "abc"), 0,
	       "path_join: exactly size - 1 fits");
	is_str(buf, "/0123456789/abc", "path_join: boundary");
	is_int(path_join(buf, sizeof(buf), "/0123456789", "abcd"), DROVER_E_RANGE,
	       "path_join: too long is RANGE");
	ok(strlen(buf) < sizeof(buf), "path_join: too long result still NUL-terminated");
}

static void test_path_base_endswith(void)
{
	is_str(path_base("/a/b/c.so"), "c.so", "path_base: last component");
	is_str(path_base("c.so"), "c.so", "path_base: no slash");
	is_str(path_base("/c"), "c", "path_base: under root");

	ok(str_endswith("drupal.so", ".so"), "str_endswith: yes");
	ok(!str_endswith("drupal.so.1", ".so"), "str_endswith: no");
	ok(str_endswith(".so", ".so"), "str_endswith: equal strings");
	ok(!str_endswith("so", ".so"), "str_endswith: suffix longer than string");
	ok(str_endswith("abc", ""), "str_endswith: empty suffix");
}

static void test_str_to_i64(void)
{
	int64_t v;

	v = -99;
	is_int(str_to_i64("42", &v), 0, "str_to_i64: decimal");
	is_int(v, 42, "str_to_i64: decimal value");
	is_int(str_to_i64("-17", &v), 0, "str_to_i64: negative");
	is_int(v, -17, "str_to_i64: negative value");
	is_int(str_to_i64("+5", &v), 0, "str_to_i64: explicit plus");
	is_int(v, 5, "str_to_i64: plus value");
	is_int(str_to_i64("0x1F", &v), 0, "str_to_i64: hex");
	is_int(v, 31, "str_to_i64: 0x1F is 31");
	is_int(str_to_i64("0X1f", &v), 0, "str_to_i64: hex upper X");
	is_int(v, 31, "str_to_i64: 0X1f is 31");
	is_int(str_to_i64("-0x10", &v), 0, "str_to_i64: negative hex");
	is_int(v, -16, "str_to_i64: -0x10 is -16");
	is_int(str_to_i64("010", &v), 0, "str_to_i64: leading zero");
	is_int(v, 10, "str_to_i64: 010 is ten, not eight");
	is_int(str_to_i64("0", &v), 0, "str_to_i64: zero");
	is_int(v, 0, "str_to_i64: zero value");
	is_int(str_to_i64("  7 ", &v), 0, "str_to_i64: surrounding spaces");
	is_int(v, 7, "str_to_i64: spaces value");
	is_int(str_to_i64("\t-3\n", &v), 0, "str_to_i64: tab and newline");
	is_int(v, -3, "str_to_i64: tab value");
	is_int(str_to_i64("9223372036854775807", &v), 0, "str_to_i64: INT64_MAX");
	ok(v == INT64_MAX, "str_to_i64: INT64_MAX value");
	is_int(str_to_i64("-9223372036854775808", &v), 0, "str_to_i64: INT64_MIN");
	ok(v == INT64_MIN, "str_to_i64: INT64_MIN value");

	v = 1234;
	is_int(str_to_i64("9223372036854775808", &v), DROVER_E_RANGE, "str_to_i64: overflow up");
	is_int(str_to_i64("-9223372036854775809", &v), DROVER_E_RANGE, "str_to_i64: overflow down");
	is_int(str_to_i64("99999999999999999999", &v), DROVER_E_RANGE,
	       "str_to_i64: 20 digits overflow");
	is_int(str_to_i64("0x10000000000000000", &v), DROVER_E_RANGE, "str_to_i64: hex overflow");
	is_int(str_to_i64("12abc", &v), DROVER_E_INVAL, "str_to_i64: trailing junk");
	is_int(str_to_i64("", &v), DROVER_E_INVAL, "str_to_i64: empty");
	is_int(str_to_i64("   ", &v), DROVER_E_INVAL, "str_to_i64: only spaces");
	is_int(str_to_i64("abc", &v), DROVER_E_INVAL, "str_to_i64: letters");
	is_int(str_to_i64("-", &v), DROVER_E_INVAL, "str_to_i64: sign only");
	is_int(str_to_i64("0x", &v), DROVER_E_INVAL, "str_to_i64: 0x without digits");
	is_int(str_to_i64("0xg", &v), DROVER_E_INVAL, "str_to_i64: 0x with a non-hex digit");
	is_int(str_to_i64("1 2", &v), DROVER_E_INVAL, "str_to_i64: two numbers");
	is_int(str_to_i64("- 5", &v), DROVER_E_INVAL, "str_to_i64: space after sign");
	is_int(str_to_i64("1.5", &v), DROVER_E_INVAL, "str_to_i64: fraction");
	is_int(v, 1234, "str_to_i64: failures leave *out alone");
}

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void test_path_mkdirs(const char *tmp)
{
	char path[512], file[512], under[512];
	FILE *f;

	(void)str_fmt(path, sizeof(path), "%s/a/b/c", tmp);
	is_int(path_mkdirs(path, 0700), 0, "path_mkdirs: nested create");
	ok(is_dir(path), "path_mkdirs: %s is a directory", path);
	is_int(path_mkdirs(path, 0700), 0, "path_mkdirs: existing directory is fine");
	(void)str_fmt(path, sizeof(path), "%s/a/b/d/", tmp);
	is_int(path_mkdirs(path, 0700), 0, "path_mkdirs: trailing slash");
	ok(is_dir(path), "path_mkdirs: trailing-slash path created");

	(void)str_fmt(file, sizeof(file), "%s/a/file", tmp);
	f = fopen(file, "w");
	ok(f != NULL, "created a plain file in the way");
	if (f)
		fclose(f);
	errno = 0;
	is_int(path_mkdirs(file, 0700), DROVER_E_IO, "path_mkdirs: the path is a file: IO error");
	is_int(errno, ENOTDIR, "path_mkdirs: errno ENOTDIR for the file");
	(void)str_fmt(under, sizeof(under), "%s/sub/dir", file);
	errno = 0;
	is_int(path_mkdirs(under, 0700), DROVER_E_IO, "path_mkdirs: a file in the way fails");
	is_int(errno, ENOTDIR, "path_mkdirs: errno ENOTDIR for a file in the way");
	ok(!is_dir(under), "path_mkdirs: nothing created under the file");
	unlink(file);
}

/* Run `fill` on a JSON writer over a memory stream and compare the text. */
static void json_case(void (*fill)(struct jw *), const char *want, const char *name)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct jw j;

	if (!ok(f != NULL, "%s: open_memstream", name))
		return;
	jw_init(&j, f);
	fill(&j);
	fclose(f);
	is_str(text, want, "%s", name);
	is_int(len, strlen(want), "%s: length", name);
	free(text);
}

static void fill_nested(struct jw *j)
{
	jw_obj_begin(j);
	jw_kstr(j, "name", "site1");
	jw_key(j, "list");
	jw_arr_begin(j);
	jw_int(j, 1);
	jw_int(j, -2);
	jw_obj_begin(j);
	jw_kint(j, "n", 9223372036854775807LL);
	jw_obj_end(j);
	jw_arr_begin(j);
	jw_arr_end(j);
	jw_arr_end(j);
	jw_kbool(j, "ok", 1);
	jw_kbool(j, "bad", 0);
	jw_key(j, "none");
	jw_null(j);
	jw_kstr(j, "nil", NULL);
	jw_key(j, "empty");
	jw_obj_begin(j);
	jw_obj_end(j);
	jw_obj_end(j);
	jw_end(j);
}

static void fill_escapes(struct jw *j)
{
	jw_arr_begin(j);
	jw_str(j, "quote\" back\\slash");
	jw_str(j, "nl\ncr\rtab\t");
	jw_str(j, "ctl\001\037end");
	jw_str(j, "slash/ utf8 \xc3\xa9 del\x7f");
	jw_kstr(j, "k\"ey", "v");
	jw_arr_end(j);
	jw_end(j);
}

static void fill_top_array(struct jw *j)
{
	jw_arr_begin(j);
	jw_arr_end(j);
	jw_end(j);
}

static void fill_scalar(struct jw *j)
{
	jw_int(j, INT64_MIN);
	jw_end(j);
}

static void fill_deep(struct jw *j)
{
	for (int i = 0; i < JSON_MAX_DEPTH + 8; i++)
		jw_arr_begin(j);
	for (int i = 0; i < JSON_MAX_DEPTH + 8; i++)
		jw_arr_end(j);
	jw_end(j);
}

static void test_json(void)
{
	char deep[2 * (JSON_MAX_DEPTH + 8) + 2];
	int n = 0;

	json_case(fill_nested,
	          "{\n"
	          "  \"name\": \"site1\",\n"
	          "  \"list\": [\n"
	          "    1,\n"
	          "    -2,\n"
	          "    {\n"
	          "      \"n\": 9223372036854775807\n"
	          "    },\n"
	          "    []\n"
	          "  ],\n"
	          "  \"ok\": true,\n"
	          "  \"bad\": false,\n"
	          "  \"none\": null,\n"
	          "  \"nil\": null,\n"
	          "  \"empty\": {}\n"
	          "}\n",
	          "json: nested object and array");
	json_case(fill_escapes,
	          "[\n"
	          "  \"quote\\\" back\\\\slash\",\n"
	          "  \"nl\\ncr\\rtab\\t\",\n"
	          "  \"ctl\\u0001\\u001fend\",\n"
	          "  \"slash/ utf8 \xc3\xa9 del\x7f\",\n"
	          "  \"k\\\"ey\": \"v\"\n"
	          "]\n",
	          "json: string escaping (quote, backslash, newline, control chars)");
	json_case(fill_top_array, "[]\n", "json: empty top-level array");
	json_case(fill_scalar, "-9223372036854775808\n", "json: top-level INT64_MIN");

	/* Deeper than JSON_MAX_DEPTH: indentation saturates, but brackets stay balanced and
	 * nothing is written out of bounds (ASan). */
	for (int i = 0; i < JSON_MAX_DEPTH + 8; i++)
		deep[n++] = '[';
	for (int i = 0; i < JSON_MAX_DEPTH + 8; i++)
		deep[n++] = ']';
	deep[n] = '\0';
	{
		char *text = NULL, *q = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		struct jw j;

		if (ok(f != NULL, "json deep: open_memstream")) {
			jw_init(&j, f);
			fill_deep(&j);
			fclose(f);
			/* Strip white space to compare the brackets alone. */
			q = text;
			for (const char *p = text; *p; p++)
				if (*p != ' ' && *p != '\n')
					*q++ = *p;
			*q = '\0';
			is_str(text, deep, "json: nesting beyond JSON_MAX_DEPTH stays balanced");
			free(text);
		}
	}
}

int main(void)
{
	const char *tmp = tap_tmpdir();
	char cmd[600];

	test_str_copy();
	test_str_fmt();
	test_path_join();
	test_path_base_endswith();
	test_str_to_i64();
	test_path_mkdirs(tmp);
	test_json();

	if (str_fmt(cmd, sizeof(cmd), "rm -rf '%s'", tmp) == 0 && system(cmd) != 0)
		diag("could not remove %s", tmp);
	return done_testing();
}
