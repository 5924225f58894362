/*
 * drover/status.h: status codes and the error object shared by the core and adapters.
 *
 * Every function of the ABI returns an int: 0 (DROVER_OK) on success or a negative DROVER_E_*
 * code. Codes are never renumbered; new ones are added at the end (more negative) and named in
 * the changelog of drover/adapter.h with the ABI minor that added them.
 */
#ifndef DROVER_STATUS_H
#define DROVER_STATUS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DROVER_OK          0
#define DROVER_E_FAIL      (-1)  /* failure with no better code; the error object says more */
#define DROVER_E_NOMEM     (-2)  /* out of memory */
#define DROVER_E_INVAL     (-3)  /* invalid argument or input */
#define DROVER_E_NOTSUP    (-4)  /* not supported: cap bit clear, or not built in this version */
#define DROVER_E_NOTFOUND  (-5)  /* a named thing does not exist */
#define DROVER_E_NOTMINE   (-6)  /* probe: this tree is not this adapter's CMS (not an error) */
#define DROVER_E_IO        (-7)  /* a system call on a file failed; errno text in the message */
#define DROVER_E_PARSE     (-8)  /* a file or value is malformed; `where` names file and line */
#define DROVER_E_DB        (-9)  /* a database call failed */
#define DROVER_E_EXEC      (-10) /* an external command could not run or exited non-zero */
#define DROVER_E_TIMEOUT   (-11) /* an external command or lock wait ran out of time */
#define DROVER_E_PERM      (-12) /* permission or ownership refused */
#define DROVER_E_EXISTS    (-13) /* the thing to create already exists */
#define DROVER_E_BUSY      (-14) /* locked by another task */
#define DROVER_E_STOP      (-15) /* a callback asked to stop the enumeration (not an error) */
#define DROVER_E_ABI       (-16) /* ABI or format version mismatch */
#define DROVER_E_RANGE     (-17) /* number out of range, or a string did not fit its buffer */
#define DROVER_E_CONFIG    (-18) /* configuration is invalid */
#define DROVER_E_CORRUPT   (-19) /* stored data failed a consistency or checksum check */
#define DROVER_E_REFUSED   (-20) /* refused by a safety check (preflight); the message says why */
#define DROVER_E_LAST_V1_0 DROVER_E_REFUSED

/*
 * drover_strerror: a short, static, English description of a status code. Never NULL; unknown
 * codes map to "unknown error". Inline so that adapters need no link-time symbol from the core.
 */
static inline const char *drover_strerror(int code)
{
	switch (code) {
	case DROVER_OK: return "success";
	case DROVER_E_FAIL: return "operation failed";
	case DROVER_E_NOMEM: return "out of memory";
	case DROVER_E_INVAL: return "invalid argument";
	case DROVER_E_NOTSUP: return "not supported";
	case DROVER_E_NOTFOUND: return "not found";
	case DROVER_E_NOTMINE: return "not handled by this adapter";
	case DROVER_E_IO: return "input/output error";
	case DROVER_E_PARSE: return "malformed input";
	case DROVER_E_DB: return "database error";
	case DROVER_E_EXEC: return "external command failed";
	case DROVER_E_TIMEOUT: return "timed out";
	case DROVER_E_PERM: return "permission denied";
	case DROVER_E_EXISTS: return "already exists";
	case DROVER_E_BUSY: return "busy: held by another task";
	case DROVER_E_STOP: return "stopped by callback";
	case DROVER_E_ABI: return "version mismatch";
	case DROVER_E_RANGE: return "out of range";
	case DROVER_E_CONFIG: return "invalid configuration";
	case DROVER_E_CORRUPT: return "corrupt data";
	case DROVER_E_REFUSED: return "refused by a safety check";
	default: return "unknown error";
	}
}

/*
 * The error object. The core owns it; an adapter fills it only through host->error() and may
 * read it. Layout fixed for ABI major 1.
 *   code     the DROVER_E_* value of the failure (0 when no error is recorded)
 *   where    what the failure is about: "path/to/file:12", a table, a config key; may be ""
 *   message  one line, no trailing newline: what failed and why, and what to do if known
 */
struct drover_error {
	int32_t code;
	uint32_t reserved;
	char where[256];
	char message[768];
};

#ifdef __cplusplus
}
#endif

#endif /* DROVER_STATUS_H */
