/*
 * The accounts of an auth file, by username: one line per account,
 * "<username>:<$7$ hash>" as in Mosquitto's password_file. The username ends at
 * the line's last ':' (a device name may hold ':', a $7$ hash never does).
 * Blank lines and lines starting with '#' are skipped.
 *
 * The file's text is kept as one block and the table points into it; the slots
 * are an open-addressing table (linear probing, at most half full).
 */
#ifndef FLEETSTREAM_ACCOUNT_TABLE_H
#define FLEETSTREAM_ACCOUNT_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct account {
	const char *username;
	const char *password_hash;
	uint32_t name_hash;
};

struct account_table {
	struct account *slots;
	size_t capacity;
	size_t count;
	/* lines that were neither an account, blank nor a comment */
	size_t malformed;
	/* the first of them (1-based), 0 when none */
	size_t first_malformed_line;
	/* accounts named more than once (the last line wins) */
	size_t duplicates;
	char *text;
};

/* Reads `path` into `table` (zeroed or freed before). 0, or -1 with errno set. */
int account_table_load(struct account_table *table, const char *path);

/* The same from text in memory (`text` is copied). */
int account_table_parse(struct account_table *table, const char *text, size_t length);

const struct account *account_table_find(const struct account_table *table, const char *username);

void account_table_free(struct account_table *table);

#endif
