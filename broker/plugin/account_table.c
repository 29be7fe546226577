#include "account_table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "password_hash.h"

/* FNV-1a */
static uint32_t name_hash(const char *name)
{
	uint32_t hash = 2166136261u;
	for(; *name; name++){
		hash ^= (unsigned char)*name;
		hash *= 16777619u;
	}
	return hash;
}

static struct account *slot_for(const struct account_table *table, const char *username, uint32_t hash)
{
	size_t mask = table->capacity - 1;
	size_t i = hash & mask;

	while(table->slots[i].username){
		if(table->slots[i].name_hash == hash && strcmp(table->slots[i].username, username) == 0) break;
		i = (i + 1) & mask;
	}
	return &table->slots[i];
}

const struct account *account_table_find(const struct account_table *table, const char *username)
{
	const struct account *slot;

	if(table->capacity == 0 || !username) return NULL;
	slot = slot_for(table, username, name_hash(username));
	return slot->username ? slot : NULL;
}

/* Splits a line into username and hash in place; 0 when it is an account. */
static int parse_line(char *line, char **username, char **hash)
{
	char *colon = strrchr(line, ':');

	if(!colon || colon == line) return -1;
	*colon = '\0';
	*username = line;
	*hash = colon + 1;
	return password_hash_well_formed(*hash) ? 0 : -1;
}

static int parse_in_place(struct account_table *table, char *text, size_t length)
{
	size_t lines = 1, line_number = 0, i;
	char *line, *next, *username, *hash;
	struct account *slot;

	for(i = 0; i < length; i++) if(text[i] == '\n') lines++;
	table->capacity = 16;
	while(table->capacity < lines * 2) table->capacity *= 2;
	table->slots = calloc(table->capacity, sizeof(struct account));
	if(!table->slots) return -1;
	table->text = text;

	for(line = text; line; line = next){
		size_t line_length;
		line_number++;
		next = strchr(line, '\n');
		if(next) *next++ = '\0';
		line_length = strlen(line);
		if(line_length > 0 && line[line_length - 1] == '\r') line[--line_length] = '\0';
		if(line_length == 0 || line[0] == '#') continue;
		if(parse_line(line, &username, &hash) != 0){
			if(table->malformed++ == 0) table->first_malformed_line = line_number;
			continue;
		}
		uint32_t h = name_hash(username);
		slot = slot_for(table, username, h);
		if(slot->username){
			table->duplicates++;
		}else{
			table->count++;
		}
		slot->username = username;
		slot->password_hash = hash;
		slot->name_hash = h;
	}
	return 0;
}

int account_table_parse(struct account_table *table, const char *text, size_t length)
{
	char *copy = malloc(length + 1);

	memset(table, 0, sizeof(*table));
	if(!copy){ errno = ENOMEM; return -1; }
	memcpy(copy, text, length);
	copy[length] = '\0';
	if(parse_in_place(table, copy, length) != 0){
		free(copy);
		account_table_free(table);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

int account_table_load(struct account_table *table, const char *path)
{
	FILE *file;
	struct stat info;
	char *text;
	size_t length;
	int saved;

	memset(table, 0, sizeof(*table));
	file = fopen(path, "rb");
	if(!file) return -1;
	if(fstat(fileno(file), &info) != 0){ saved = errno; fclose(file); errno = saved; return -1; }
	length = (size_t)info.st_size;
	text = malloc(length + 1);
	if(!text){ fclose(file); errno = ENOMEM; return -1; }
	if(fread(text, 1, length, file) != length){
		saved = ferror(file) ? errno : EIO;
		free(text); fclose(file); errno = saved; return -1;
	}
	fclose(file);
	text[length] = '\0';
	/* a NUL inside would end the text early: count the file by what it holds */
	if(parse_in_place(table, text, strlen(text)) != 0){
		free(text);
		account_table_free(table);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void account_table_free(struct account_table *table)
{
	free(table->slots);
	free(table->text);
	memset(table, 0, sizeof(*table));
}
