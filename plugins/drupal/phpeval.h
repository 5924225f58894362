/*
 * plugins/drupal/phpeval.h: the values a settings.php leaves behind, as phpeval.c computes them
 * without running PHP, for settings.c to read. Private to the Drupal adapter.
 */
#ifndef DROVER_PLUGINS_DRUPAL_PHPEVAL_H
#define DROVER_PLUGINS_DRUPAL_PHPEVAL_H

#include <stddef.h>
#include <stdint.h>

#include "drupal.h"

/* Kinds of value. V_UNKNOWN is anything drover does not evaluate (a call, an operator): it
 * remembers where it was set and what it was, for messages. */
#define V_UNKNOWN 0
#define V_NULL    1
#define V_BOOL    2
#define V_INT     3
#define V_STR     4
#define V_FLOAT   5 /* kept as text */
#define V_ARRAY   6

struct pv;

struct pv_item {
	int skey_set; /* key is skey; else ikey */
	int64_t ikey;
	char *skey;
	struct pv *val;
};

struct pv {
	int kind;
	int partial; /* array built on top of an unknown value: missing keys are unknown too */
	int64_t i;
	char *s;
	size_t n;
	struct pv_item *items;
	size_t nitems, cap;
	int64_t next; /* next integer key for $a[] = ... */
	unsigned line;
	int file;
	char why[64]; /* for V_UNKNOWN: the construct that could not be evaluated */
};

/* The value of $name at the end of the evaluation, or NULL if it was never set. */
const struct pv *d_php_var(const struct d_env *env, const char *name);

/* a[key] for a string key (PHP's key conversions apply: "12" is 12), or NULL if a is not an
 * array or has no such key. */
const struct pv *d_php_get(const struct pv *a, const char *key);

/* A scalar as PHP converts it to a string (true "1", false and null ""); *s points into v or
 * buf. 0, or -1 for arrays and unknown values. */
int d_php_text(const struct pv *v, char *buf, size_t size, const char **s, size_t *n);

/* The name of the file with index `file` (a pv's .file), relative to the root when inside it;
 * index 0 is the settings.php evaluation started from. */
const char *d_php_file(const struct d_env *env, int file);

/* 1 if the value d_php_var() gives for $name is what PHP would have: it was never assigned
 * inside a condition, no statement drover skips (unset(), a call taking it) names it, and no
 * include failed or construct (variable variables, extract()) could have changed it. */
int d_php_var_certain(const struct d_env *env, const char *name);

/* How many files the evaluation read (settings.php and its includes). */
size_t d_php_nfiles(const struct d_env *env);

/* The call context the evaluation was made for, for logging. */
struct drover_ctx *d_php_ctx(const struct d_env *env);

#endif /* DROVER_PLUGINS_DRUPAL_PHPEVAL_H */
